package main

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
)

func TestExamplePrintsSpansAndMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out strings.Builder
		if err := run(context.Background(), &out); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"Name": "Events.Send"`, `"loops.deduplicated"`, "loops.client.attempts", "loops.client.call.duration"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %s", want)
			}
		}
		if strings.Contains(out.String(), "ada@example.com") {
			t.Error("output carries the contact's email")
		}
	})
}

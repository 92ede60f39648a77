package loops

import (
	"strings"
	"testing"
)

// Typed calls hand their route to the pipeline; Client.Do and the gen
// client have it found from the path. Both must agree, or a typed call and
// the same request through Do would be retried differently.
func TestMatchRouteFindsEveryOperation(t *testing.T) {
	for _, rt := range routes {
		path := rt.path
		for strings.Contains(path, "{") {
			i, j := strings.Index(path, "{"), strings.Index(path, "}")
			path = path[:i] + "x%2Fy" + path[j+1:] // an escaped slash stays one segment
		}
		if got := matchRoute(rt.method, path); got != rt {
			t.Errorf("matchRoute(%s %s) = %v, want %s", rt.method, path, got, rt.id)
		}
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/events/send"},            // wrong method
		{"POST", "/v1/events/send/extra"},     // extra segment
		{"POST", "/v1/events"},                // missing segment
		{"POST", "/v1/campaigns/"},            // empty parameter
		{"GET", "/v1/workflows//nodes"},       // empty parameter inside
		{"DELETE", "/v1/nope/nothing/at/all"}, // unknown
	} {
		if got := matchRoute(c.method, c.path); got != nil {
			t.Errorf("matchRoute(%s %s) = %s, want none", c.method, c.path, got.id)
		}
	}
}

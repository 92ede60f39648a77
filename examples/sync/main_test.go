package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// A sync interrupted after 15 requests, then run again, upserts every
// contact of the CSV exactly once: the checkpoint skips what the first run
// did. In virtual time, against the fake at Loops' 10 requests a second.
func TestSyncResumesWithoutUpsertingTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		csvPath, checkpoint := filepath.Join(dir, "contacts.csv"), filepath.Join(dir, "sync.checkpoint")
		if err := generate(csvPath, 40); err != nil {
			t.Fatal(err)
		}
		ctx, interrupt := context.WithCancel(t.Context())
		var seen atomic.Int64
		srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithRequestHook(func(loopstest.Request) {
			if seen.Add(1) == 15 {
				interrupt() // Ctrl-C
			}
		}))
		client, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
		if err != nil {
			t.Fatal(err)
		}
		j := job{csv: csvPath, checkpoint: checkpoint, out: io.Discard}

		first, err := run(ctx, client, j)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v, %v", first, err)
		}
		t.Logf("first run: %v", first)
		done, _ := loadCheckpoint(checkpoint)
		if len(done) != first.Succeeded || first.Succeeded < 14 || first.Succeeded == 40 {
			t.Fatalf("checkpoint holds %d emails after %v", len(done), first)
		}

		start := time.Now()
		second, err := run(t.Context(), client, j)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("second run: %v in %v", second, time.Since(start))
		if second.Skipped != first.Succeeded || second.Succeeded != 40-first.Succeeded || second.Failed != 0 {
			t.Errorf("second run: %v", second)
		}
		upserts := map[string]int{}
		for _, r := range srv.Requests() {
			if r.Route == "PUT /v1/contacts/update" && r.Status == http.StatusOK {
				var body struct{ Email string }
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				upserts[body.Email]++
			}
		}
		for email, n := range upserts {
			if n != 1 {
				t.Errorf("%s upserted %d times", email, n)
			}
		}
		if len(upserts) != 40 || len(srv.Contacts()) != 40 {
			t.Errorf("%d contacts upserted, %d stored; want 40", len(upserts), len(srv.Contacts()))
		}
		if c, ok := srv.Contact("contact00007@example.com"); !ok || c.GetFirstName() != "Grace" {
			t.Errorf("contact00007: %+v", c)
		}
	})
}

// A broken CSV row ends the run with the file's error, after the rows
// before it; a bad email fails its row alone.
func TestSyncReportsBadRows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		csvPath := filepath.Join(dir, "contacts.csv")
		data := "email,firstName,lastName\nada@example.com,Ada,Lovelace\nnot-an-email,,\ngrace@example.com,Grace\n"
		if err := os.WriteFile(csvPath, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		client, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		sum, err := run(t.Context(), client, job{csv: csvPath, checkpoint: filepath.Join(dir, "cp"), out: &out})
		if err == nil || !strings.Contains(err.Error(), "wrong number of fields") {
			t.Errorf("err = %v, want the CSV's", err)
		}
		if sum.Succeeded != 1 || sum.Failed != 1 || !strings.Contains(out.String(), "row 2 (not-an-email)") {
			t.Errorf("%v; output %q", sum, out.String())
		}
	})
}

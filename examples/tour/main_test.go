package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// TestTour runs the README's main job against the fake server and checks
// that every step ran and reported what it showed. It runs in a synctest
// bubble, over the fake's in-process transport, so the retry step's backoff
// passes in virtual time.
func TestTour(t *testing.T) {
	var out bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		if err := run(ctx, &out, where{inProcess: true}); err != nil {
			t.Fatalf("tour failed: %v\n%s", err, out.String())
		}
	})
	for _, want := range []string{
		"the key belongs to team \"Tour Team\"",
		"13 transactional emails in all, 13 of them published",
		"found ", "Ada Lovelace", "planName set: false",
		"409 Conflict (idempotency key already used)",
		"the fake processed the event 1 time(s)",
		"errors.Is(err, loops.ErrConflict) = true",
		"succeeded on attempt 2",
		"published: message ", "sent it to ada+tour@example.com",
		"sends 1, deliveries 1",
		"condition: property planName equals \"pro\"", "condition: opt-in status accepted",
		"open it in the Loops app at https://app.loops.so/campaigns/",
		"stored (no API key sent to storage) and completed: https://", "component ",
		"BlankTrigger > TimerAction > SendEmailAction > ExitAction",
		"dryRun: Done() = false, it would drop 3 queued contacts",
		"first try: errors.Is(err, loops.ErrConfirmationRequired) = true",
		"reading it again: errors.Is(err, loops.ErrNotFound) = true",
		"Tour complete: 18 steps passed.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("tour output lacks %q\n%s", want, out.String())
		}
	}
}

// TestTourWithAKeyOnlyReads runs the tour as it runs against the real API
// (a key is set) and checks that it sent nothing but reads. The client's
// default pacing, which the read-only tour keeps, passes in virtual time.
func TestTourWithAKeyOnlyReads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		var out bytes.Buffer
		at := where{apiKey: srv.APIKey(), baseURL: srv.URL(), httpClient: &http.Client{Transport: srv.Transport()}}
		if err := run(t.Context(), &out, at); err != nil {
			t.Fatalf("tour failed: %v\n%s", err, out.String())
		}
		reqs := srv.Requests()
		if len(reqs) == 0 {
			t.Fatal("the read-only tour made no requests")
		}
		for _, r := range reqs {
			if r.Method != http.MethodGet {
				t.Errorf("the read-only tour sent %s", r.Route)
			}
		}
		if !strings.Contains(out.String(), "read-only steps only") || !strings.Contains(out.String(), "Tour complete: 4 steps passed.") {
			t.Errorf("unexpected output:\n%s", out.String())
		}
	})
}

// The tour says what it waits for whenever a wait passes a second: the
// pacing of the read-only tour against Loops, and retries.
func TestTourAnnouncesLongWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		var out bytes.Buffer
		opts := append(pacedOptions(&out), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
		c, err := loops.NewClient(srv.APIKey(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.MailingLists.List(t.Context()); err != nil {
			t.Fatal(err)
		}
		if out.Len() != 0 {
			t.Errorf("a call that waited for nothing said %q", out.String())
		}
		srv.Inject("GET /v1/lists", loopstest.RetryAfter(3*time.Second))
		if _, err := c.MailingLists.List(t.Context()); err != nil {
			t.Fatal(err)
		}
		if want := "(waited 3.0 s for the rate limit (10 requests a second))"; !strings.Contains(out.String(), want) {
			t.Errorf("after a 429 with Retry-After: 3, output %q lacks %q", out.String(), want)
		}

		out.Reset()
		unpaced, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}),
			loops.WithoutRateLimit(), loops.WithLogger(slog.New(retryNotes{&out})))
		if err != nil {
			t.Fatal(err)
		}
		srv.Inject("GET /v1/lists", loopstest.RetryAfter(2*time.Second))
		if _, err := unpaced.MailingLists.List(t.Context()); err != nil {
			t.Fatal(err)
		}
		if want := "(waiting 2.0 s before retrying GET /v1/lists after 429 Too Many Requests)"; !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	})
}

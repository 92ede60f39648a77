package loopstest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// The test client waits for nothing: no pacing, no content budget, no
// backoff. Inside a bubble, where time passes only while every goroutine
// waits, a client that slept or paced would move the fake clock.
func TestClientWaitsForNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithoutRateLimit())
		c := srv.Client(t)
		ctx := context.Background()
		start := time.Now()

		srv.Inject("GET /v1/lists", loopstest.Status(503), loopstest.Status(502))
		var info loops.ResponseInfo
		if _, err := c.MailingLists.List(ctx, loops.WithResponseInfo(&info)); err != nil {
			t.Fatal(err)
		}
		if info.Attempts != 3 {
			t.Errorf("attempts = %d, want 3 (two 5xx retried)", info.Attempts)
		}
		for i := range 30 {
			if err := c.Events.Send(ctx, &loops.EventRequest{Email: new(fmt.Sprintf("u%d@example.com", i)), EventName: "signup"}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Themes.List(ctx, nil); err != nil { // a content-API call
				t.Fatal(err)
			}
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the test client waited %v of fake time, want none", waited)
		}
		if n := len(srv.Events()); n != 30 {
			t.Errorf("events = %d, want 30", n)
		}
	})
}

// Options given to Client come after its own and win over them.
func TestClientOptionsOverride(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := srv.Client(t, loops.WithMaxRetries(0))
	srv.Inject("GET /v1/lists", loopstest.Status(503))
	_, err := c.MailingLists.List(context.Background())
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, loops.ErrServerError) || apiErr.Attempts != 1 {
		t.Fatalf("err = %v, want one attempt ending in 503", err)
	}
}

// fatalRecorder is a testing.TB that records Fatalf instead of stopping.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper()                        {}
func (r *fatalRecorder) Fatalf(format string, a ...any) { r.msg = fmt.Sprintf(format, a...) }

func TestClientInvalidOptionFailsTheTest(t *testing.T) {
	srv := loopstest.NewServer(t)
	rec := &fatalRecorder{TB: t}
	if c := srv.Client(rec, loops.WithMaxRetries(-1)); c != nil || rec.msg == "" {
		t.Fatalf("Client with an invalid option: client %v, Fatalf %q", c, rec.msg)
	}
}

// TestWelcomeEmail is the test the package documentation shows, as written
// there: keep the two the same.
func TestWelcomeEmail(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(
		loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome", DataVariables: []string{"name"}},
	))
	client := srv.Client(t)

	if err := sendWelcome(t.Context(), client, "ada@example.com", "Ada"); err != nil {
		t.Fatal(err)
	}

	sends := srv.TransactionalSends()
	if len(sends) != 1 || sends[0].Email != "ada@example.com" || sends[0].DataVariables["name"] != "Ada" {
		t.Fatalf("sends = %+v", sends)
	}
}

// WithTransactionalEmails seeds the content API's list as well as the
// deprecated published one.
func TestTransactionalEmailsAreListedByBothAPIs(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(
		loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome", DataVariables: []string{"name"}, LastUpdated: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)},
		loopstest.TransactionalEmail{ID: "receipt", Name: "Receipt", LastUpdated: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		loopstest.TransactionalEmail{ID: "draft", Name: "Not yet", Draft: true},
	))
	c := srv.Client(t)
	ctx := t.Context()
	all, err := loops.Collect(c.Transactional.ListIter(ctx, nil))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]loops.TransactionalEmail{}
	for _, e := range all {
		byID[e.ID] = e
	}
	if len(all) != 3 || byID["welcome"].Name != "Welcome" || byID["welcome"].PublishedEmailMessageID == nil || byID["draft"].PublishedEmailMessageID != nil || byID["draft"].DraftEmailMessageID == nil {
		t.Fatalf("Transactional.List = %+v", all)
	}
	if got := byID["welcome"].DataVariables; len(got) != 1 || got[0] != "name" {
		t.Errorf("welcome's data variables = %v", got)
	}
	got, err := c.Transactional.Get(ctx, "receipt")
	if err != nil || got.Name != "Receipt" {
		t.Fatalf("Get(receipt) = %+v, %v", got, err)
	}
	published, err := loops.Collect(c.Transactional.ListPublishedIter(ctx, nil))
	if err != nil || len(published) != 2 {
		t.Errorf("ListPublished = %+v, %v; want the two published", published, err)
	}
	if err := c.Transactional.Send(ctx, &loops.TransactionalRequest{TransactionalID: "receipt", Email: "ada@example.com"}); err != nil {
		t.Errorf("sending a seeded template: %v", err)
	}
}

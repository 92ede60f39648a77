package loops_test

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

const feedbackRoute = "POST /v1/feedback"

// A report goes out as Loops documents it, and the fake files it.
func TestFeedbackSend(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := srv.Client(t)
	err := c.Feedback.Send(t.Context(), &loops.FeedbackRequest{
		Details:             "There is no call to list the contacts of a mailing list.",
		NotifyWhenAvailable: new(true),
	})
	check(t, err)
	wantWire(t, srv, "POST", "/v1/feedback", "", `{"details":"There is no call to list the contacts of a mailing list.","notifyWhenAvailable":true}`)
	check(t, c.Feedback.Send(t.Context(), &loops.FeedbackRequest{Details: "The error for a stale revision is hard to read."}))
	got := srv.Feedback()
	if len(got) != 2 || !got[0].NotifyWhenAvailable || got[1].NotifyWhenAvailable || got[1].Details != "The error for a stale revision is hard to read." {
		t.Errorf("filed reports: %+v", got)
	}
	if strings.Contains(string(got[1].Raw), "notifyWhenAvailable") {
		t.Errorf("an unset NotifyWhenAvailable was sent: %s", got[1].Raw)
	}
}

// A report with nothing in it is refused before anything is sent: it would
// only use up one of the team's reports.
func TestFeedbackLocalChecks(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := srv.Client(t)
	for name, req := range map[string]*loops.FeedbackRequest{
		"no request":          nil,
		"empty details":       {},
		"white space details": {Details: " \n\t "},
	} {
		err := c.Feedback.Send(t.Context(), req)
		var ve *loops.ValidationError
		if !errors.As(err, &ve) || ve.Op != "Feedback.Send" {
			t.Errorf("%s: want a ValidationError of Feedback.Send, got %v", name, err)
		}
	}
	if n := srv.RequestCount(feedbackRoute); n != 0 {
		t.Errorf("%d requests sent for refused reports", n)
	}
}

// A report is a one-shot write: a 5xx, or a connection lost after Loops
// filed it, is returned at once, never repeated. A 429 (refused before
// Loops acted) is retried.
func TestFeedbackIsNeverSentTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil)
		req := &loops.FeedbackRequest{Details: "Please document the feedback answer."}

		srv.Inject(feedbackRoute, loopstest.Status(503))
		if err := c.Feedback.Send(t.Context(), req); !errors.Is(err, loops.ErrServerError) {
			t.Errorf("after a 503: want ErrServerError, got %v", err)
		}
		srv.Inject(feedbackRoute, loopstest.ProcessThenDrop())
		if err := c.Feedback.Send(t.Context(), req); err == nil {
			t.Error("after a dropped connection: want an error, got success")
		}
		if n, filed := srv.RequestCount(feedbackRoute), len(srv.Feedback()); n != 2 || filed != 1 {
			t.Errorf("%d requests and %d reports filed, want 2 and 1 (no retries)", n, filed)
		}

		srv.Inject(feedbackRoute, loopstest.RateLimited())
		check(t, c.Feedback.Send(t.Context(), req))
		if n, filed := srv.RequestCount(feedbackRoute), len(srv.Feedback()); n != 4 || filed != 2 {
			t.Errorf("after a 429: %d requests and %d reports filed, want 4 and 2", n, filed)
		}
	})
}

// The fake holds Loops' quota of 20 reports per team in 24 hours, by its
// own clock: the 21st answers 429 in words, and a report is welcome again
// once the first has aged out of the window.
func TestFeedbackQuota(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit(), loopstest.WithClock(func() time.Time { return now }))
	c := srv.Client(t, loops.WithMaxRetries(0)) // the quota 429 is the answer under test
	send := func() error {
		return c.Feedback.Send(t.Context(), &loops.FeedbackRequest{Details: "A report."})
	}
	for i := range loopstest.FeedbackLimit {
		if err := send(); err != nil {
			t.Fatalf("report %d: %v", i+1, err)
		}
		if i == 0 {
			now = now.Add(time.Hour) // the first report ages out an hour before the rest
		}
	}
	err := send()
	var apiErr *loops.APIError
	if !errors.Is(err, loops.ErrRateLimited) || !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "20 reports in 24 hours") {
		t.Fatalf("report %d: want a 429 naming the quota, got %v", loopstest.FeedbackLimit+1, err)
	}
	if n := len(srv.Feedback()); n != loopstest.FeedbackLimit {
		t.Errorf("%d reports filed, want %d", n, loopstest.FeedbackLimit)
	}
	now = now.Add(loopstest.FeedbackWindow - time.Hour) // the first report is 24 hours old
	check(t, send())
	if err := send(); !errors.Is(err, loops.ErrRateLimited) {
		t.Errorf("with the window full again: want ErrRateLimited, got %v", err)
	}
}

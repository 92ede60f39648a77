package loops_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// A RequestOption is both kinds of option.
var (
	_ loops.Option     = loops.WithMaxRetries(1)
	_ loops.CallOption = loops.WithMaxRetries(1)
	_ loops.CallOption = loops.WithBackoff(0, 0, 0)
	_ loops.CallOption = loops.WithAttemptTimeout(time.Second)
	_ loops.Option     = loops.WithHeader("X-Request-Id", "r1")
)

// Per-call retries and backoff override the client's for that call only.
func TestPerCallRetriesAndBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		c := srv.Client(t, loops.WithMaxRetries(3), loops.WithBackoff(time.Second, time.Second, 0))
		ctx := t.Context()

		srv.Inject("GET /v1/lists", loopstest.Status(503), loopstest.Status(503))
		var info loops.ResponseInfo
		_, err := c.MailingLists.List(ctx, loops.WithMaxRetries(0), loops.WithResponseInfo(&info))
		if !errors.Is(err, loops.ErrServerError) {
			t.Fatalf("with WithMaxRetries(0) per call: err = %v, want the 503", err)
		}
		start := time.Now()
		if _, err := c.MailingLists.List(ctx, loops.WithResponseInfo(&info)); err != nil || info.Attempts != 2 {
			t.Fatalf("the next call, with the client's retries: %v after %d attempts", err, info.Attempts)
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("the client's backoff waited %v, want 1s", waited)
		}

		srv.Inject("GET /v1/lists", loopstest.Status(503))
		start = time.Now()
		if _, err := c.MailingLists.List(ctx, loops.WithBackoff(0, 0, 0)); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("WithBackoff(0, 0, 0) per call waited %v", waited)
		}
	})
}

// A per-call attempt timeout bounds that call's attempts.
func TestPerCallAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		c := srv.Client(t, loops.WithMaxRetries(0))
		srv.Inject("GET /v1/lists", loopstest.Slow(time.Minute))
		start := time.Now()
		_, err := c.MailingLists.List(t.Context(), loops.WithAttemptTimeout(50*time.Millisecond))
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 50*time.Millisecond {
			t.Errorf("err = %v after %v, want a timeout after 50ms", err, time.Since(start))
		}
	})
}

// WithHeader on the client goes on every request; on a call, on that
// call's only, replacing the client's value of the same name.
func TestWithHeader(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := srv.Client(t, loops.WithHeader("X-Team", "billing"))
	ctx := t.Context()
	if _, err := c.MailingLists.List(ctx, loops.WithHeader("x-request-id", "r1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MailingLists.List(ctx, loops.WithHeader("X-Team", "ops")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MailingLists.List(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	for i, want := range []struct{ team, id string }{{"billing", "r1"}, {"ops", ""}, {"billing", ""}} {
		h := reqs[i].Header
		if h.Get("X-Team") != want.team || h.Get("X-Request-Id") != want.id {
			t.Errorf("request %d: X-Team %q, X-Request-Id %q; want %q, %q", i, h.Get("X-Team"), h.Get("X-Request-Id"), want.team, want.id)
		}
	}
}

// An invalid per-call option fails the call before anything is sent.
func TestInvalidPerCallOption(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := srv.Client(t)
	for _, opt := range []loops.CallOption{
		loops.WithMaxRetries(-1),
		loops.WithBackoff(time.Second, time.Millisecond, 0),
		loops.WithAttemptTimeout(-1),
		loops.WithHeader("Authorization", "Bearer other"),
		loops.WithHeader("Idempotency-Key", "k"),
		loops.WithHeader("bad name", "x"),
		loops.WithHeader("X-Ok", "line\r\nX-Evil: 1"),
	} {
		_, err := c.MailingLists.List(t.Context(), opt)
		var ve *loops.ValidationError
		if !errors.As(err, &ve) || ve.Op != "MailingLists.List" {
			t.Errorf("err = %v, want a *ValidationError of MailingLists.List", err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if _, err := loops.NewClient("key", loops.WithHeader("Content-Type", "text/plain")); err == nil {
		t.Error("NewClient accepted WithHeader(Content-Type)")
	}
}

// Options that work on the client and on one call: here the client
// retries (as by default) and carries a team header, and one send that a
// queue will retry by itself turns the client's retries off and adds a
// request ID.
func ExampleRequestOption() {
	srv := loopstest.New()
	defer srv.Close()
	opts := append(srv.ClientOptions(), loops.WithHeader("X-Team", "billing"))
	client, err := loops.NewClient(srv.APIKey(), opts...)
	if err != nil {
		log.Fatal(err)
	}

	srv.Inject("POST /v1/events/send", loopstest.Status(503))
	err = client.Events.Send(context.Background(), &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"},
		loops.WithMaxRetries(0), loops.WithHeader("X-Request-Id", "job-77"))
	fmt.Println("server error, not retried:", errors.Is(err, loops.ErrServerError))
	h := srv.Requests()[0].Header
	fmt.Println(h.Get("X-Team"), h.Get("X-Request-Id"))
	// Output:
	// server error, not retried: true
	// billing job-77
}

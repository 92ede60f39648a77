package loops_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// Timing is tested inside synctest bubbles: the fake runs in-process (no
// sockets), so waits take fake time and are measured exactly.

// bubbleClient returns a fake and a client wired through its in-process
// transport, with deterministic backoff (no jitter).
func bubbleClient(t *testing.T, srvOpts []loopstest.Option, opts ...loops.Option) (*loopstest.Server, *loops.Client) {
	t.Helper()
	srv := loopstest.NewServer(t, append([]loopstest.Option{loopstest.WithoutListener()}, srvOpts...)...)
	base := []loops.Option{
		loops.WithBaseURL(srv.URL()),
		loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}),
		loops.WithBackoff(loops.DefaultBackoffBase, loops.DefaultBackoffMax, 0),
		loops.WithoutRateLimit(),
	}
	c, err := loops.NewClient(srv.APIKey(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// gaps returns the time between consecutive requests the fake received.
func gaps(srv *loopstest.Server) []time.Duration {
	reqs := srv.Requests()
	var out []time.Duration
	for i := 1; i < len(reqs); i++ {
		out = append(out, reqs[i].Time.Sub(reqs[i-1].Time))
	}
	return out
}

func TestBackoffScheduleIsExponential(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil)
		srv.Inject("GET /v1/lists", loopstest.Status(503), loopstest.Status(500), loopstest.Status(502))
		var info loops.ResponseInfo
		if _, err := c.MailingLists.List(t.Context(), loops.WithResponseInfo(&info)); err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}
		if got := gaps(srv); !slices.Equal(got, want) {
			t.Errorf("waits between attempts = %v, want %v", got, want)
		}
		if info.Attempts != 4 {
			t.Errorf("attempts = %d, want 4", info.Attempts)
		}
	})
}

func TestBackoffIsCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil, loops.WithMaxRetries(5), loops.WithBackoff(time.Second, 2*time.Second, 0))
		srv.Inject("GET /v1/lists", loopstest.Status(503), loopstest.Status(503), loopstest.Status(503), loopstest.Status(503))
		if _, err := c.MailingLists.List(t.Context()); err != nil {
			t.Fatal(err)
		}
		want := []time.Duration{time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}
		if got := gaps(srv); !slices.Equal(got, want) {
			t.Errorf("waits = %v, want %v", got, want)
		}
	})
}

func TestRateLimitedWaitsTheOneSecondWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil)
		srv.Inject("POST /v1/contacts/create", loopstest.RateLimited()) // 429, no Retry-After
		if _, err := c.Contacts.Create(t.Context(), &loops.ContactCreateRequest{Email: "a@example.com"}); err != nil {
			t.Fatal(err)
		}
		if got := gaps(srv); !slices.Equal(got, []time.Duration{time.Second}) {
			t.Errorf("wait after 429 = %v, want [1s] (Loops' window, not the 250ms backoff)", got)
		}
	})
}

func TestRetryAfterIsHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil)
		srv.Inject("POST /v1/events/send", loopstest.RetryAfter(3*time.Second))
		if err := sendEvent(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if got := gaps(srv); !slices.Equal(got, []time.Duration{3 * time.Second}) {
			t.Errorf("wait = %v, want [3s] from Retry-After", got)
		}
	})
}

// With a deadline too close for the next wait, the client returns the last
// API error at once instead of sleeping into a bare timeout.
func TestNoSleepPastTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil)
		srv.Inject("GET /v1/lists", loopstest.Status(503), loopstest.Status(503), loopstest.Status(503), loopstest.Status(503))
		ctx, cancel := context.WithTimeout(t.Context(), 600*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.MailingLists.List(ctx)
		var apiErr *loops.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
			t.Fatalf("want the 503 *APIError, got %v", err)
		}
		if apiErr.Attempts != 2 {
			t.Errorf("attempts = %d, want 2 (0 ms and 250 ms; the 500 ms wait would pass the deadline)", apiErr.Attempts)
		}
		if took := time.Since(start); took != 250*time.Millisecond {
			t.Errorf("returned after %v, want 250ms", took)
		}
	})
}

func TestCancelDuringBackoffStopsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil, loops.WithBackoff(time.Second, time.Second, 0))
		srv.Inject("GET /v1/lists", loopstest.Status(503), loopstest.Status(503))
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.MailingLists.List(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("want context.Canceled, got %v", err)
		}
		if took := time.Since(start); took != 100*time.Millisecond {
			t.Errorf("returned after %v, want 100ms", took)
		}
		if n := srv.RequestCount("GET /v1/lists"); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
}

func TestAttemptTimeout(t *testing.T) {
	t.Run("a read is retried", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv, c := bubbleClient(t, nil, loops.WithAttemptTimeout(time.Second))
			srv.Inject("GET /v1/lists", loopstest.Slow(time.Minute))
			start := time.Now()
			if _, err := c.MailingLists.List(t.Context()); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took != time.Second+250*time.Millisecond {
				t.Errorf("took %v, want 1.25s (timeout, backoff, success)", took)
			}
		})
	})
	t.Run("a one-shot write is not", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv, c := bubbleClient(t, nil, loops.WithAttemptTimeout(time.Second))
			srv.Inject("POST /v1/contacts/create", loopstest.Slow(time.Minute))
			_, err := c.Contacts.Create(t.Context(), &loops.ContactCreateRequest{Email: "a@example.com"})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("want context.DeadlineExceeded, got %v", err)
			}
			if n := srv.RequestCount("POST /v1/contacts/create"); n != 1 {
				t.Errorf("requests = %d, want 1: Loops may have acted on the first", n)
			}
		})
	})
}

// The default limiter spaces requests evenly just over 100 ms apart (10 a
// second less a 4 % margin for jitter), whatever the number of goroutines,
// so a server enforcing 10 requests per second (here with no burst at all)
// never answers 429, and throughput stays near the ceiling.
func TestDefaultLimiterKeepsUnderTheServerLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithRateLimit(10, 1))
		c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()),
			loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}), loops.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		const workers, perWorker = 10, 5
		start := time.Now()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range perWorker {
					if err := sendEvent(t.Context(), c); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		for _, r := range srv.Requests() {
			if r.Status != http.StatusOK {
				t.Fatalf("the server answered %d; want no 429 at all", r.Status)
			}
		}
		for i, g := range gaps(srv) {
			if g < 100*time.Millisecond {
				t.Fatalf("requests %d and %d only %v apart", i, i+1, g)
			}
		}
		rate := 10 * 0.96
		interval := time.Duration(float64(time.Second) / rate)
		// The second request waits for the grid of slots the processes of a
		// team share: up to one interval more than 9.6 per second, once.
		if took, want := time.Since(start), (workers*perWorker-1)*interval; took < want-interval/32 || took >= want+interval {
			t.Errorf("%d requests took %v, want %v (9.6 per second) plus at most one interval", workers*perWorker, took, want)
		}
	})
}

func TestSharedLimiterPacesTwoClientsTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithRateLimit(10, 1))
		shared := loops.NewLimiter(10)
		var clients []*loops.Client
		for range 2 {
			c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()),
				loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}), loops.WithLimiter(shared), loops.WithMaxRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
		}
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Go(func() {
				for range 5 {
					if _, err := c.MailingLists.List(t.Context()); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		for i, g := range gaps(srv) {
			if g < 100*time.Millisecond {
				t.Errorf("requests %d and %d only %v apart", i, i+1, g)
			}
		}
	})
}

func TestLimiterRespectsTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil, loops.WithRateLimit(1))
		ctx := t.Context()
		if _, err := c.MailingLists.List(ctx); err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err := c.MailingLists.List(short) // the next token is 1s away
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("want context.DeadlineExceeded, got %v", err)
		}
		if n := srv.RequestCount("GET /v1/lists"); n != 1 {
			t.Errorf("requests = %d, want 1", n)
		}
	})
}

func TestRetryAfterBeyondAMinuteEndsTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil)
		srv.Inject("GET /v1/lists", loopstest.RetryAfter(2*time.Minute))
		start := time.Now()
		_, err := c.MailingLists.List(t.Context())
		var apiErr *loops.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, loops.ErrRateLimited) || apiErr.Attempts != 1 {
			t.Fatalf("want the 429 after 1 attempt, got %v", err)
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("the call waited %v before giving up", took)
		}
	})
}

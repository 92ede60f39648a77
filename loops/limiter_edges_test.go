package loops_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// observingLimiter never holds a request back and records every status it
// is told about; its OnResponse pauses nobody.
type observingLimiter struct {
	mu       sync.Mutex
	statuses []int
}

func (l *observingLimiter) Wait(ctx context.Context) error { return ctx.Err() }

func (l *observingLimiter) OnResponse(status int, _ http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses = append(l.statuses, status)
}

func (l *observingLimiter) seen() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.statuses)
}

// A 429 whose Retry-After runs past the caller's deadline returns that
// 429 as the *APIError, whichever limiter is in use, never a limiter error.
func TestRateLimitedPastTheDeadlineReturnsTheAPIError(t *testing.T) {
	for name, opts := range map[string][]loops.Option{
		"default limiter":  {loops.WithRateLimit(loops.DefaultRequestsPerSecond)},
		"observer":         {loops.WithLimiter(&observingLimiter{})},
		"no rate limiting": nil,
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, c := bubbleClient(t, nil, opts...)
				srv.Inject("POST /v1/events/send", loopstest.RetryAfter(30*time.Second))
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				defer cancel()
				start := time.Now()
				err := sendEvent(ctx, c)
				var apiErr *loops.APIError
				if !errors.As(err, &apiErr) || !errors.Is(err, loops.ErrRateLimited) {
					t.Fatalf("want the 429 *APIError, got %v", err)
				}
				if strings.Contains(err.Error(), "rate limiter") {
					t.Errorf("error %q speaks of the limiter", err)
				}
				if took := time.Since(start); took != 0 || srv.RequestCount("POST /v1/events/send") != 1 {
					t.Errorf("returned after %v and %d requests; want at once, after 1", took, srv.RequestCount("POST /v1/events/send"))
				}
			})
		})
	}
}

// A limiter's refusal names the limiter once.
func TestLimiterErrorHasOnePrefix(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c := bubbleClient(t, nil, loops.WithRateLimit(1))
		if _, err := c.MailingLists.List(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, err := c.MailingLists.List(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || strings.Count(err.Error(), "rate limiter") != 1 {
			t.Errorf("want one \"rate limiter\" and context.DeadlineExceeded, got %q", err)
		}
	})
}

// After a 429 every retry waits at least Loops' one-second window, whether
// the limiter observes answers without pausing, or pauses less than that.
func TestRetriesAfter429WaitTheWindowWhateverTheLimiter(t *testing.T) {
	for name, opt := range map[string]loops.Option{
		"observer that never pauses": loops.WithLimiter(&observingLimiter{}),
		"default limiter":            loops.WithRateLimit(loops.DefaultRequestsPerSecond),
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, c := bubbleClient(t, nil, opt)
				// More 429s than any call makes: the default limiter's
				// sharing losses do not use up retries (TestSharingLossesDoNotUseUpRetries).
				srv.Inject("POST /v1/events/send", slices.Repeat([]loopstest.Fault{loopstest.RateLimited()}, 2*loops.DefaultMaxRetries+1)...)
				err := sendEvent(t.Context(), c)
				if !errors.Is(err, loops.ErrRateLimited) {
					t.Fatalf("want the last 429, got %v", err)
				}
				for i, g := range gaps(srv) {
					if g < time.Second {
						t.Errorf("retry %d left %v after a 429; want at least Loops' 1 s window", i+1, g)
					}
				}
			})
		})
	}
}

// A limiter that reports pausing everyone at least as long as the window
// is trusted: the retry queues in it instead of sleeping on top.
func TestLimiterReportedPauseReplacesTheClientsWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil, loops.WithRateLimit(loops.DefaultRequestsPerSecond))
		srv.Inject("POST /v1/events/send", loopstest.RetryAfter(3*time.Second))
		if err := sendEvent(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		if got := gaps(srv); !slices.Equal(got, []time.Duration{3 * time.Second}) {
			t.Errorf("gaps = %v, want [3s]: the limiter's pause, not twice it", got)
		}
		l := loops.NewLimiter(10)
		if p := l.OnResponsePause(http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}}); p != 2*time.Second {
			t.Errorf("reported pause = %v, want 2s", p)
		}
		if p := l.OnResponsePause(http.StatusOK, nil); p != 0 {
			t.Errorf("a 200 reported a pause of %v", p)
		}
	})
}

// The upload limit is a quota, not a rate: its 429 comes back at once,
// matching ErrQuotaExceeded, and the limiters never hear of it.
func TestQuota429IsNotRetriedNorFedToTheLimiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		general, content := &observingLimiter{}, &observingLimiter{}
		srv, c := bubbleClient(t, nil, loops.WithLimiter(general), loops.WithContentLimiter(content))
		ctx := t.Context()
		up, err := c.Uploads.Create(ctx, &loops.UploadCreateRequest{ContentType: loops.UploadContentTypeImageGif, ContentLength: 10})
		if err != nil {
			t.Fatal(err)
		}
		route := "POST /v1/uploads/" + up.EmailAssetID + "/complete"
		quota := loopstest.Reply(429, `{"message":"Upload limit exceeded","maxUploads":50,"windowHours":24}`)
		srv.Inject(route, quota) // one: a retry would succeed
		start := time.Now()
		_, err = c.Uploads.Complete(ctx, up.EmailAssetID)
		var apiErr *loops.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, loops.ErrQuotaExceeded) || !errors.Is(err, loops.ErrRateLimited) {
			t.Fatalf("want a 429 APIError matching ErrQuotaExceeded, got %v", err)
		}
		if apiErr.Attempts != 1 || time.Since(start) != 0 || srv.RequestCount(route) != 1 {
			t.Errorf("attempts = %d after %v; a quota is returned at once", apiErr.Attempts, time.Since(start))
		}
		for _, l := range []*observingLimiter{general, content} {
			if slices.Contains(l.seen(), http.StatusTooManyRequests) {
				t.Errorf("a limiter was told of the quota 429: %v", l.seen())
			}
		}
		// A rate 429 on the same route is still a rate: retried, observed.
		srv.Inject(route, loopstest.RateLimited())
		if _, err := c.Uploads.Complete(ctx, up.EmailAssetID); errors.Is(err, loops.ErrQuotaExceeded) {
			t.Errorf("a rate 429 matched ErrQuotaExceeded: %v", err)
		}
		if !slices.Contains(content.seen(), http.StatusTooManyRequests) {
			t.Error("a rate 429 did not reach the content limiter")
		}
	})
}

// gapBetween is the time between two consecutive Waits on l, once it
// paces: the first request after idle leaves at once, and the next one
// waits for a slot on the grid that every process of a team shares, which
// may lie up to two intervals away.
func gapBetween(t *testing.T, l loops.Limiter) time.Duration {
	t.Helper()
	for range 2 {
		if err := l.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := l.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// A rate that cannot pace falls back to Loops' 10 a second rather than
// switching pacing off or stalling; a rate so slow that its interval
// would overflow is clamped to one request an hour.
func TestLimiterRatesAreSane(t *testing.T) {
	const loopsPace = time.Second * 100 / 96 / 10 // 10 a second, less the 4 % margin
	for _, rate := range []float64{0, -5, math.NaN(), math.Inf(1), math.Inf(-1)} {
		synctest.Test(t, func(t *testing.T) {
			if g := gapBetween(t, loops.NewLimiter(rate)); g != loopsPace {
				t.Errorf("NewLimiter(%v): requests %v apart, want Loops' %v", rate, g, loopsPace)
			}
			if g := gapBetween(t, loops.NewLimiterPer(rate, time.Minute)); g != loopsPace {
				t.Errorf("NewLimiterPer(%v, time.Minute): requests %v apart, want Loops' %v", rate, g, loopsPace)
			}
		})
	}
	synctest.Test(t, func(t *testing.T) {
		if g := gapBetween(t, loops.NewLimiterPer(10, 0)); g != loopsPace {
			t.Errorf("a zero window: requests %v apart, want %v", g, loopsPace)
		}
		for _, l := range []*loops.AdaptiveLimiter{loops.NewLimiter(1e-10), loops.NewLimiterPer(1, math.MaxInt64)} {
			if g := gapBetween(t, l); g != time.Hour {
				t.Errorf("a tiny rate: requests %v apart, want the hour it is clamped to", g)
			}
			l.OnResponse(http.StatusTooManyRequests, nil) // the slowdown must not overflow either
			if g := gapBetween(t, l); g <= 0 || g > 2*time.Hour {
				t.Errorf("after a 429 at a tiny rate: requests %v apart", g)
			}
		}
	})
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := loops.NewClient("k", loops.WithRateLimit(bad)); err == nil {
			t.Errorf("WithRateLimit(%v) accepted", bad)
		}
		if _, err := loops.NewClient("k", loops.WithContentRateLimit(bad)); err == nil {
			t.Errorf("WithContentRateLimit(%v) accepted", bad)
		}
	}
}

// A limit learned from x-ratelimit-limit lapses once answers stop
// confirming it, and a higher one replaces it at once.
func TestLearnedLimitLapses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const base = time.Second * 100 / 96 / 10
		l := loops.NewLimiter(10)
		l.OnResponse(http.StatusOK, http.Header{"X-Ratelimit-Limit": {"1"}})
		if g := gapBetween(t, l); g < time.Second {
			t.Fatalf("x-ratelimit-limit: 1 left requests %v apart, want about a second", g)
		}
		for range 8 {
			l.OnResponse(http.StatusOK, nil)
		}
		if g := gapBetween(t, l); g != base {
			t.Errorf("after 8 answers without the header requests are %v apart, want %v", g, base)
		}
		l.OnResponse(http.StatusOK, http.Header{"X-Ratelimit-Limit": {"1"}})
		l.OnResponse(http.StatusOK, http.Header{"X-Ratelimit-Limit": {"10"}})
		if g := gapBetween(t, l); g != base {
			t.Errorf("after x-ratelimit-limit: 10 requests are %v apart, want %v", g, base)
		}
	})
}

// A body that cannot be sent again (a plain reader through Raw) is not
// retried: the caller gets the first answer at once, not a replay error
// after sleeping through the backoffs.
func TestUnreplayableBodyReturnsTheFirstAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c := bubbleClient(t, nil)
		srv.Inject("POST /v1/events/send", loopstest.Status(503))
		body := io.MultiReader(strings.NewReader(`{"email":"a@example.com","eventName":"signup"}`)) // no GetBody
		start := time.Now()
		resp, err := c.Raw().SendEventWithBody(t.Context(), nil, "application/json", body)
		if err != nil {
			t.Fatalf("want the 503 answer, got %v", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 503 || time.Since(start) != 0 || srv.RequestCount("POST /v1/events/send") != 1 {
			t.Errorf("status %d after %v and %d requests; want the 503 at once, after 1", resp.StatusCode, time.Since(start), srv.RequestCount("POST /v1/events/send"))
		}
	})
}

// A 429 from which the default limiter learns that another process of the
// team took the slot (it halves its share, or moves) does not use up a
// retry, up to the call's number of retries: four 429s in a row fail a
// send under a limiter that learns nothing from them, not under the
// default one, which gives up after seven.
func TestSharingLossesDoNotUseUpRetries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opt      loops.Option
		refused  int
		attempts int
		fails    bool
	}{
		{"observer, four 429s", loops.WithLimiter(&observingLimiter{}), 4, 4, true},
		{"default limiter, four 429s", loops.WithRateLimit(loops.DefaultRequestsPerSecond), 4, 5, false},
		{"default limiter, seven 429s", loops.WithRateLimit(loops.DefaultRequestsPerSecond), 7, 7, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, c := bubbleClient(t, nil, tc.opt)
				srv.Inject("POST /v1/events/send", slices.Repeat([]loopstest.Fault{loopstest.RateLimited()}, tc.refused)...)
				err := sendEvent(t.Context(), c)
				if failed := errors.Is(err, loops.ErrRateLimited); failed != tc.fails {
					t.Errorf("after %d 429s: %v; want failing %v", tc.refused, err, tc.fails)
				}
				if n := srv.RequestCount("POST /v1/events/send"); n != tc.attempts {
					t.Errorf("%d attempts; want %d", n, tc.attempts)
				}
			})
		})
	}
}

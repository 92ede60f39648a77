package loops_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// pacingResult is one run of bulk sends against a server's rate model.
type pacingResult struct {
	ok, failed, refused, refusedLate int
	elapsed                          time.Duration
}

func (r pacingResult) perSecond() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// serverModels are the limiters a server enforcing 10 requests a second
// may run; the client must hold its ground against each.
func serverModels() map[string]func() loopstest.RateModel {
	return map[string]func() loopstest.RateModel{
		"token bucket, burst 1":  func() loopstest.RateModel { return loopstest.TokenBucket(10, time.Second, 1) },
		"token bucket, burst 10": func() loopstest.RateModel { return loopstest.TokenBucket(10, time.Second, 10) },
		"fixed 1 s window":       func() loopstest.RateModel { return loopstest.FixedWindow(10, time.Second) },
		"sliding 1 s window":     func() loopstest.RateModel { return loopstest.SlidingWindow(10, time.Second) },
	}
}

// bulkSend sends n calls from workers goroutines through one client with
// its default limiter and retries, and counts what the server did.
func bulkSend(t testing.TB, srv *loopstest.Server, c *loops.Client, n, workers int, send func(context.Context, *loops.Client, int) error) pacingResult {
	var (
		next   atomic.Int64
		failed atomic.Int64
		wg     sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				if err := send(context.Background(), c, int(i)); err != nil {
					failed.Add(1)
					t.Logf("send %d: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	r := pacingResult{elapsed: time.Since(start), failed: int(failed.Load())}
	for _, req := range srv.Requests() {
		switch req.Status {
		case http.StatusOK:
			r.ok++
		case http.StatusTooManyRequests:
			r.refused++
			if req.Time.Sub(start) > time.Second {
				r.refusedLate++
			}
		}
	}
	return r
}

func sendNumbered(ctx context.Context, c *loops.Client, i int) error {
	return c.Events.Send(ctx, &loops.EventRequest{Email: new(fmt.Sprintf("user%d@example.com", i)), EventName: "bulkImport"})
}

// 300 sends from 8 goroutines against a server enforcing 10 a second, in
// virtual time, under each rate model: all succeed, at 95 % of the ceiling
// or better, with fewer than ten 429s after the first second.
func TestPacingHoldsAgainstEveryServerModel(t *testing.T) {
	for name, model := range serverModels() {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithRateModel(model()))
				c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
				if err != nil {
					t.Fatal(err)
				}
				r := bulkSend(t, srv, c, 300, 8, sendNumbered)
				t.Logf("%s: %d ok, %.2f ok/s, %d 429s (%d after the first second), %d failed", name, r.ok, r.perSecond(), r.refused, r.refusedLate, r.failed)
				if r.failed != 0 || r.ok != 300 {
					t.Errorf("%d of 300 succeeded, %d failed", r.ok, r.failed)
				}
				if r.perSecond() < 9.5 {
					t.Errorf("%.2f ok/s, want at least 9.5", r.perSecond())
				}
				if r.refusedLate >= 10 {
					t.Errorf("%d 429s after the first second, want fewer than 10", r.refusedLate)
				}
			})
		})
	}
}

// Content-API calls draw from the content budget too: at 95 % of 60 a
// minute or better, with no failure, whether the server counts the budget
// in fixed or sliding minutes.
func TestPacingHoldsTheContentBudget(t *testing.T) {
	for name, budget := range map[string]loopstest.RateModel{
		"sliding minute":  loopstest.SlidingWindow(60, time.Minute),
		"fixed minute":    loopstest.FixedWindow(60, time.Minute),
		"bucket, burst 1": loopstest.TokenBucket(60, time.Minute, 1),
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithContentBudget(budget))
				c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
				if err != nil {
					t.Fatal(err)
				}
				r := bulkSend(t, srv, c, 120, 4, func(ctx context.Context, c *loops.Client, _ int) error {
					return ok(c.Campaigns.List(ctx, nil))
				})
				perMinute := 60 * r.perSecond()
				t.Logf("%s: %d ok, %.1f ok/min, %d 429s, %d failed", name, r.ok, perMinute, r.refused, r.failed)
				if r.failed != 0 || r.ok != 120 || perMinute < 57 {
					t.Errorf("%d ok, %d failed, %.1f a minute; want all, none, at least 57", r.ok, r.failed, perMinute)
				}
			})
		})
	}
}

// A 429 seen by one goroutine pauses every user of the limiter, for the
// Retry-After when given; the pace slows, then recovers as answers keep
// succeeding: within seconds when x-ratelimit-remaining shows budget
// to spare, and after about 20 s of answers when nothing says so (a
// blind probe into a full team costs a 429, so it is not made often).
func TestAdaptiveLimiterPausesEveryoneOn429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := loops.NewLimiter(10)
		ctx := t.Context()
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		l.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
		start := time.Now()
		var wg sync.WaitGroup
		var first atomic.Int64
		for range 3 {
			wg.Go(func() {
				if err := l.Wait(ctx); err != nil {
					t.Error(err)
				}
				first.CompareAndSwap(0, int64(time.Since(start)))
			})
		}
		wg.Wait()
		if got := time.Duration(first.Load()); got < 2*time.Second {
			t.Errorf("the first waiter left after %v; the 429's Retry-After said 2 s", got)
		}
		// The pace slowed after the 429 (more than the 104 ms base), and
		// comes back to it as answers succeed.
		gap := func() time.Duration { // between two requests queued back to back
			_ = l.Wait(ctx)
			_ = l.Wait(ctx)
			s := time.Now()
			_ = l.Wait(ctx)
			return time.Since(s)
		}
		if g := gap(); g <= 105*time.Millisecond {
			t.Errorf("after a 429 the interval is %v; want it slower than the base", g)
		}
		for range 100 { // 10 s of successes that say nothing of the budget
			time.Sleep(100 * time.Millisecond) // fake time: the synctest bubble
			l.OnResponse(http.StatusOK, nil)
		}
		if g := gap(); g <= 105*time.Millisecond {
			t.Errorf("after 10 s of answers without rate-limit headers the interval is %v; a blind probe should wait longer", g)
		}
		for range 110 { // 11 s more
			time.Sleep(100 * time.Millisecond) // fake time: the synctest bubble
			l.OnResponse(http.StatusOK, nil)
		}
		if g := gap(); g > 105*time.Millisecond {
			t.Errorf("after 21 s of successes the interval is still %v", g)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		l := loops.NewLimiter(10)
		ctx := t.Context()
		spare := http.Header{"X-Ratelimit-Limit": {"10"}, "X-Ratelimit-Remaining": {"5"}}
		for range 12 { // over a second: past the start-up window (TestAdaptiveLimiterWaitsOutTheFirstWindow)
			_ = l.Wait(ctx)
			l.OnResponse(http.StatusOK, spare)
		}
		_ = l.Wait(ctx)
		l.OnResponse(http.StatusTooManyRequests, http.Header{"X-Ratelimit-Limit": {"10"}, "X-Ratelimit-Remaining": {"0"}})
		start := time.Now()
		for time.Since(start) < 10*time.Second {
			_ = l.Wait(ctx)
			l.OnResponse(http.StatusOK, spare)
			s := time.Now()
			_ = l.Wait(ctx)
			l.OnResponse(http.StatusOK, spare)
			if time.Since(s) <= 105*time.Millisecond {
				if took := time.Since(start); took > 5*time.Second {
					t.Errorf("with budget to spare the pace took %v to recover after a 429; want under 5 s", took)
				}
				return
			}
		}
		t.Error("with budget to spare the pace never recovered after a 429")
	})
}

// The x-ratelimit-limit header slows the limiter to a lower server limit
// (it never speeds past the configured rate).
func TestAdaptiveLimiterLearnsTheServerLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithRateModel(loopstest.TokenBucket(5, time.Second, 1)))
		c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
		if err != nil {
			t.Fatal(err)
		}
		r := bulkSend(t, srv, c, 60, 4, sendNumbered)
		if r.failed != 0 || r.refused > 2 || r.perSecond() < 4.5 {
			t.Errorf("against 5 a second: %d failed, %d 429s, %.2f ok/s; want none, at most the first, at least 4.5", r.failed, r.refused, r.perSecond())
		}
		fast := loops.NewLimiter(10)
		fast.OnResponse(http.StatusOK, http.Header{"X-Ratelimit-Limit": {"50"}})
		_ = fast.Wait(t.Context())
		s := time.Now()
		_ = fast.Wait(t.Context())
		if g := time.Since(s); g < 100*time.Millisecond {
			t.Errorf("a higher server limit sped the limiter up to %v apart", g)
		}
	})
}

// BenchmarkPacingOverLoopback is TestPacingHoldsAgainstEveryServerModel
// over real loopback TCP, in real time: 300 sends from 8 goroutines per
// model, reporting ok/s, 429s (in all, and after the first second),
// failures and the connections opened. Each iteration takes about 31 s:
// run it with -benchtime=1x (make bench-pacing).
func BenchmarkPacingOverLoopback(b *testing.B) {
	for _, name := range []string{"token bucket, burst 1", "token bucket, burst 10", "fixed 1 s window", "sliding 1 s window"} {
		model := serverModels()[name]
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			for b.Loop() {
				srv := loopstest.NewServer(b, loopstest.WithRateModel(model()))
				var dials atomic.Int64
				transport := http.DefaultTransport.(*http.Transport).Clone()
				dial := transport.DialContext
				transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
					dials.Add(1)
					return dial(ctx, network, addr)
				}
				c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: transport}))
				if err != nil {
					b.Fatal(err)
				}
				r := bulkSend(b, srv, c, 300, 8, sendNumbered)
				b.ReportMetric(r.perSecond(), "ok/s")
				b.ReportMetric(float64(r.refused), "429s")
				b.ReportMetric(float64(r.refusedLate), "late-429s")
				b.ReportMetric(float64(r.failed), "failed")
				b.ReportMetric(float64(dials.Load()), "conns")
			}
		})
	}
}

package redislimiter_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/contrib/redislimiter"
	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
	"github.com/redis/go-redis/v9"
)

var (
	_ loops.Limiter          = (*redislimiter.Limiter)(nil)
	_ loops.ResponseObserver = (*redislimiter.Limiter)(nil)
	_ loops.PauseReporter    = (*redislimiter.Limiter)(nil)
)

// Every test keeps its keys under a prefix of its own, and none touches
// the server at REDIS_URL as a whole (no FLUSHALL, no DEBUG SLEEP: the
// tests that stop or block Redis start a redis-server of their own), so
// they all run in parallel.

// Four limiters, each on its own client and connection pool (as four
// processes would be), share 40 a second: in 600 ms they let through at
// most 24 plus the burst of 1. (A faster limit than Loops' 10 a second
// makes the run shorter, and GCRA counts in Redis's time, whatever the
// rate. How close to the limit a fleet comes is a speed goal, for
// BenchmarkFleet; here a gross lower bound only catches a limiter that
// stalls, and a loaded CI machine cannot make it flake.)
func TestInstancesShareOneBudget(t *testing.T) {
	t.Parallel()
	const limit, run = 40, 600 * time.Millisecond
	most := int64(limit*run/time.Second) + 1
	prefix := uniquePrefix(t)
	var limiters []*redislimiter.Limiter
	for range 4 {
		limiters = append(limiters, redislimiter.New(newRedis(t), redislimiter.WithPrefix(prefix), redislimiter.WithLimit(limit, time.Second)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	var served atomic.Int64
	var wg sync.WaitGroup
	for _, l := range limiters {
		for range 2 { // two goroutines per "process"
			wg.Go(func() {
				for l.Wait(ctx) == nil {
					served.Add(1)
				}
			})
		}
	}
	wg.Wait()
	n := served.Load()
	t.Logf("served %d in %v at %d/s across 4 instances", n, run, limit)
	if n > most {
		t.Errorf("served %d in %v, want at most %d + burst 1", n, run, most-1)
	}
	if n < most/2 {
		t.Errorf("served only %d in %v, want close to %d (%d/s less the 6 %% margin)", n, run, int64(0.94*float64(most-1)), limit)
	}
}

// A 429 seen by one instance pauses another: for the configured pause,
// and for the Retry-After when longer.
func TestPauseIsSeenByEveryInstance(t *testing.T) {
	t.Parallel()
	prefix := uniquePrefix(t)
	a := redislimiter.New(newRedis(t), redislimiter.WithPrefix(prefix), redislimiter.WithPause(150*time.Millisecond))
	b := redislimiter.New(newRedis(t), redislimiter.WithPrefix(prefix))
	ctx := context.Background()
	if err := b.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	a.OnResponse(http.StatusTooManyRequests, nil)
	redislimiter.AwaitPauseWrites(a) // OnResponse writes the pause from a goroutine
	if err := b.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 140*time.Millisecond || waited > 150*time.Millisecond+slack {
		t.Errorf("b returned %v after a's 429 with a 150 ms pause, want about 150 ms", waited)
	}

	a.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
	redislimiter.AwaitPauseWrites(a)
	rdb := newRedis(t)
	if ttl := rdb.PTTL(ctx, prefix+"general:pause").Val(); ttl < time.Second || ttl > 2*time.Second {
		t.Errorf("pause TTL %v after a 429 with Retry-After: 2, want about 2 s", ttl)
	}
	// b holds back for the pause: it refuses at once a deadline the pause
	// runs past.
	dctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := b.Wait(dctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > slack {
		t.Errorf("b.Wait with a 500 ms deadline after a's 429 with Retry-After: 2 = %v after %v, want context.DeadlineExceeded at once", err, time.Since(start))
	}

	// A shorter pause never cuts a longer one short.
	a.OnResponse(http.StatusTooManyRequests, nil)
	redislimiter.AwaitPauseWrites(a)
	ttl, err := rdb.PTTL(ctx, prefix+"general:pause").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl < 500*time.Millisecond {
		t.Errorf("pause TTL %v after a 2 s pause and a 150 ms one, want the rest of the 2 s", ttl)
	}
}

// Wait gives up as soon as ctx is done, while paused or while GCRA says
// wait, and refuses at once a wait that would pass the deadline.
func TestWaitHonoursContext(t *testing.T) {
	t.Parallel()
	prefix := uniquePrefix(t)
	l := redislimiter.NewContent(newRedis(t), redislimiter.WithPrefix(prefix)) // one a second
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	err := l.Wait(ctx)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 20*time.Millisecond+slack {
		t.Errorf("Wait = %v after %v, want context.Canceled within ~20 ms", err, time.Since(start))
	}

	l.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}})
	dctx, dcancel := context.WithTimeout(context.Background(), time.Second)
	defer dcancel()
	start = time.Now()
	err = l.Wait(dctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > slack { // the deadline is 1 s away
		t.Errorf("Wait = %v after %v, want an immediate context.DeadlineExceeded (the pause ends past the deadline)", err, time.Since(start))
	}
}

// Every key the limiter writes carries a TTL, no longer than the pace and
// the pause need, so that all of them are gone once those have run out.
// (Redis expires a key when its TTL ends; the test need not wait for it.)
func TestKeysExpire(t *testing.T) {
	t.Parallel()
	prefix := uniquePrefix(t)
	rdb := newRedis(t)
	ctx := context.Background()
	// A pause long enough that a loaded machine cannot see it end before
	// the scan.
	const pause = 5 * time.Second
	opts := []redislimiter.Option{redislimiter.WithPrefix(prefix), redislimiter.WithPause(pause)}
	for _, l := range []*redislimiter.Limiter{redislimiter.New(rdb, opts...), redislimiter.NewContent(rdb, opts...)} {
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		l.OnResponse(http.StatusTooManyRequests, nil)
		redislimiter.AwaitPauseWrites(l)
	}
	keys := scan(t, rdb, prefix)
	if len(keys) != 4 {
		t.Fatalf("keys %v, want the GCRA and pause keys of both limits", keys)
	}
	// A GCRA key lives one emission interval (~106 ms, ~1.06 s), which
	// redis_rate rounds up to whole seconds; a pause key, the pause.
	maxTTL := map[string]time.Duration{
		"rate:" + prefix + "general": time.Second, "rate:" + prefix + "content": 2 * time.Second,
		prefix + "general:pause": pause, prefix + "content:pause": pause,
	}
	for _, k := range keys {
		ttl := rdb.PTTL(ctx, k).Val()
		if ttl <= 0 || ttl > maxTTL[k] {
			t.Errorf("key %s has TTL %v, want one in (0, %v]", k, ttl, maxTTL[k])
		}
	}
}

func scan(t *testing.T, rdb *redis.Client, prefix string) []string {
	t.Helper()
	var keys []string
	for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
		ks, err := rdb.Keys(context.Background(), pattern).Result()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, ks...)
	}
	return keys
}

// Redis killed mid-run: by default the limiter paces locally and logs it,
// then returns to Redis when it is back; fail-closed returns the Redis
// error instead.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	srv := startRedisServer(t)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	// DialerRetries 1: with Redis down, a refused dial fails at once
	// rather than after go-redis's 5 dials 100 ms apart (here and in the
	// other tests that stop Redis).
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	prefix := uniquePrefix(t)
	const probe = 50 * time.Millisecond
	open := redislimiter.New(rdb, redislimiter.WithPrefix(prefix), redislimiter.WithLogger(logger),
		redislimiter.WithLimit(100, time.Second), redislimiter.WithFallbackRate(25), redislimiter.WithProbeInterval(probe))
	closed := redislimiter.New(rdb, redislimiter.WithPrefix(prefix), redislimiter.WithFailClosed())
	ctx := context.Background()
	if err := errors.Join(open.Wait(ctx), closed.Wait(ctx)); err != nil {
		t.Fatal(err)
	}

	srv.stop()
	err := closed.Wait(ctx)
	if err == nil || !strings.Contains(err.Error(), "redislimiter:") {
		t.Fatalf("fail-closed Wait with Redis down = %v, want the Redis error", err)
	}
	// The local fallback keeps email flowing, at the configured share
	// (25 a second: 10 requests take about 375 ms, not the 94 ms of the
	// whole limit of 100 a second).
	start := time.Now()
	for range 10 {
		if err := open.Wait(ctx); err != nil {
			t.Fatalf("fallback Wait with Redis down = %v, want nil", err)
		}
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("10 waits on the fallback took %v, want about 375 ms (25 a second)", d)
	}
	if !strings.Contains(logs.String(), "Redis unavailable") {
		t.Errorf("no log line for the switch to the fallback; logs:\n%s", logs.String())
	}

	srv.start()
	time.Sleep(probe + 20*time.Millisecond) // past the probe interval
	for range 3 {
		if err := open.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(logs.String(), "Redis answers again") {
		t.Errorf("no log line for the return to Redis; logs:\n%s", logs.String())
	}
	if n := rdb.Exists(ctx, "rate:"+prefix+"general").Val(); n != 1 {
		t.Errorf("after recovery the GCRA key is not in Redis: the limiter did not go back to it")
	}
	if err := closed.Wait(ctx); err != nil {
		t.Errorf("fail-closed Wait after recovery = %v", err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// OnResponsePause reports the pause this process applies: none for an
// answer other than a 429, the configured pause, or the Retry-After when
// longer, and never less than a longer pause already running, whether
// Redis answers or not.
func TestOnResponsePauseReportsThePause(t *testing.T) {
	t.Parallel()
	up := redislimiter.New(newRedis(t), redislimiter.WithPrefix(uniquePrefix(t)))
	// Nothing listens at a closed port: Redis is down.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), MaxRetries: -1, DialerRetries: 1})
	ln.Close()
	t.Cleanup(func() { down.Close() })
	fallback := redislimiter.New(down, redislimiter.WithLogger(discard))
	if err := fallback.Wait(context.Background()); err != nil { // now pacing locally
		t.Fatal(err)
	}
	for name, l := range map[string]*redislimiter.Limiter{"Redis up": up, "Redis down": fallback} {
		steps := []struct {
			status     int
			retryAfter string
			min, max   time.Duration
		}{
			{http.StatusOK, "", 0, 0},
			{http.StatusTooManyRequests, "", 200 * time.Millisecond, 250 * time.Millisecond}, // the default pause
			{http.StatusTooManyRequests, "2", 1900 * time.Millisecond, 2 * time.Second},
			{http.StatusTooManyRequests, "", time.Second, 2 * time.Second}, // the longer pause holds
		}
		for _, s := range steps {
			h := http.Header{}
			if s.retryAfter != "" {
				h.Set("Retry-After", s.retryAfter)
			}
			got := l.OnResponsePause(s.status, h)
			if name == "Redis down" && s.status == http.StatusOK {
				// The fallback may keep a pause of its own from before.
				continue
			}
			if got < s.min || got > s.max {
				t.Errorf("%s: OnResponsePause(%d, Retry-After %q) = %v, want within [%v, %v]", name, s.status, s.retryAfter, got, s.min, s.max)
			}
		}
		redislimiter.AwaitPauseWrites(l)
	}
}

// When the limiter reports a pause that covers Loops' one-second window,
// the client does not sleep the window on its own before the retry: the
// retry queues in Wait with every other request (here, a 1 s deadline that
// the 2 s pause runs past then ends the call at once with the 429). With
// the default 250 ms pause the client keeps its one-second floor, which
// the deadline cannot fit.
func TestRetryAfter429QueuesInTheLimiter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		opts      []redislimiter.Option
		retry     bool
		retryWait time.Duration
	}{
		{"WithPause(2s)", []redislimiter.Option{redislimiter.WithPause(2 * time.Second)}, true, 0},
		{"default pause", nil, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := redislimiter.New(newRedis(t), append(tc.opts, redislimiter.WithPrefix(uniquePrefix(t)))...)
			fake := loopstest.NewServer(t)
			fake.Inject("POST /v1/events/send", loopstest.RateLimited()) // no Retry-After, as Loops
			var rec attemptRecorder
			c := fake.Client(t, loops.WithLimiter(l), loops.WithObserver(&rec))
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			err := c.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"})
			if !errors.Is(err, loops.ErrRateLimited) {
				t.Errorf("Events.Send = %v, want the 429 (ErrRateLimited)", err)
			}
			attempts := rec.get()
			if len(attempts) != 1 {
				t.Fatalf("attempts %+v, want one", attempts)
			}
			a := attempts[0]
			if retried := a.Retry != ""; retried != tc.retry || a.RetryWait != tc.retryWait {
				t.Errorf("after the 429: retry %q after %v, want retry %v after %v", a.Retry, a.RetryWait, tc.retry, tc.retryWait)
			}
		})
	}
}

// attemptRecorder is a loops.Observer that keeps every Attempt.
type attemptRecorder struct {
	mu       sync.Mutex
	attempts []loops.Attempt
}

func (r *attemptRecorder) StartCall(ctx context.Context, _ loops.Operation) (context.Context, loops.CallObserver) {
	return ctx, r
}
func (r *attemptRecorder) LimiterWaited(string, time.Duration) {}
func (r *attemptRecorder) Ended(loops.CallResult)              {}
func (r *attemptRecorder) Attempted(a loops.Attempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, a)
}

func (r *attemptRecorder) get() []loops.Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.attempts)
}

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

// Four limiters, each on its own client and connection pool (as four
// processes would be), share 10 a second: in 5 s they let through at most
// 50 plus the burst of 1. (How close to 47 they come is a speed goal, for
// BenchmarkFleet; here a gross lower bound only catches a limiter that
// stalls, and a loaded CI machine cannot make it flake.)
func TestInstancesShareOneBudget(t *testing.T) {
	prefix := uniquePrefix(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var served atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		l := redislimiter.New(newRedis(t), redislimiter.WithPrefix(prefix))
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
	t.Logf("served %d in 5 s at 10/s across 4 instances", n)
	if n > 51 {
		t.Errorf("served %d in 5 s, want at most 50 + burst 1", n)
	}
	if n < 25 {
		t.Errorf("served only %d in 5 s, want close to 47 (10/s less the 6 %% margin)", n)
	}
}

// A 429 seen by one instance pauses another, for the Retry-After.
func TestPauseIsSeenByEveryInstance(t *testing.T) {
	prefix := uniquePrefix(t)
	a := redislimiter.New(newRedis(t), redislimiter.WithPrefix(prefix))
	b := redislimiter.New(newRedis(t), redislimiter.WithPrefix(prefix))
	ctx := context.Background()
	if err := b.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	a.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {"1"}})
	redislimiter.AwaitPauseWrites(a) // OnResponse writes the pause from a goroutine
	start := time.Now()
	if err := b.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond || waited > 3*time.Second {
		t.Errorf("b waited %v after a's 429 with Retry-After: 1, want about 1 s", waited)
	}
	// A shorter pause never cuts a longer one short.
	a.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
	a.OnResponse(http.StatusTooManyRequests, nil)
	redislimiter.AwaitPauseWrites(a)
	ttl, err := newRedis(t).PTTL(ctx, prefix+"general:pause").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl < 1500*time.Millisecond {
		t.Errorf("pause TTL %v after a 2 s pause and a shorter one, want about 2 s", ttl)
	}
}

// Wait gives up as soon as ctx is done, while paused or while GCRA says
// wait, and refuses at once a wait that would pass the deadline.
func TestWaitHonoursContext(t *testing.T) {
	prefix := uniquePrefix(t)
	l := redislimiter.NewContent(newRedis(t), redislimiter.WithPrefix(prefix)) // one a second
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := l.Wait(ctx)
	if !errors.Is(err, context.Canceled) || time.Since(start) > 500*time.Millisecond {
		t.Errorf("Wait = %v after %v, want context.Canceled within ~100 ms", err, time.Since(start))
	}

	l.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}})
	dctx, dcancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer dcancel()
	start = time.Now()
	err = l.Wait(dctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 150*time.Millisecond { // the deadline is 200 ms away
		t.Errorf("Wait = %v after %v, want an immediate context.DeadlineExceeded (the pause ends past the deadline)", err, time.Since(start))
	}
}

// Every key the limiter writes carries a TTL, and all of them are gone
// once the pace and the pause have run out.
func TestKeysExpire(t *testing.T) {
	prefix := uniquePrefix(t)
	rdb := newRedis(t)
	ctx := context.Background()
	for _, l := range []*redislimiter.Limiter{redislimiter.New(rdb, redislimiter.WithPrefix(prefix)), redislimiter.NewContent(rdb, redislimiter.WithPrefix(prefix))} {
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
	for _, k := range keys {
		if ttl := rdb.PTTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("key %s has no TTL (%v)", k, ttl)
		}
	}
	// The content GCRA key lives one emission interval (~1 s), which
	// redis_rate rounds up to whole seconds.
	time.Sleep(2100 * time.Millisecond) // waiting for Redis to expire keys
	if keys := scan(t, rdb, prefix); len(keys) != 0 {
		t.Errorf("keys left behind: %v", keys)
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
	srv := startRedisServer(t)
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	prefix := uniquePrefix(t)
	open := redislimiter.New(rdb, redislimiter.WithPrefix(prefix), redislimiter.WithLogger(logger),
		redislimiter.WithFallbackRate(5), redislimiter.WithProbeInterval(300*time.Millisecond))
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
	// (5 a second: 10 requests take about 2 s, not 1 s).
	start := time.Now()
	for range 10 {
		if err := open.Wait(ctx); err != nil {
			t.Fatalf("fallback Wait with Redis down = %v, want nil", err)
		}
	}
	if d := time.Since(start); d < 1500*time.Millisecond {
		t.Errorf("10 waits on the fallback took %v, want about 2 s (5 a second)", d)
	}
	if !strings.Contains(logs.String(), "Redis unavailable") {
		t.Errorf("no log line for the switch to the fallback; logs:\n%s", logs.String())
	}

	srv.start()
	time.Sleep(400 * time.Millisecond) // past the probe interval
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

package redislimiter_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/contrib/redislimiter"
	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
	"github.com/redis/go-redis/v9"
)

// These tests measure real time, because real time is what they are about:
// how long a call waits for a Redis that does not answer. Their bounds are
// tens of milliseconds; what they catch takes seconds (go-redis without
// ContextTimeoutEnabled waits for its own ReadTimeout, 5 s by default, and
// retries), and the Redis they block stays blocked far longer than any
// bound plus slack. slack is how late a call may return on a loaded
// machine under -race. Each test has its own unresponsive Redis, so they
// run in parallel.
const slack = 400 * time.Millisecond

// readmeClient is a client built as the README shows, with go-redis's
// defaults: no ContextTimeoutEnabled, a 5 s ReadTimeout, 3 retries.
func readmeClient(t testing.TB, addr string) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// boundCase is one call against a Redis that does not answer, and the
// time within which it must return.
type boundCase struct {
	name  string
	bound time.Duration
	run   func(t *testing.T, addr string) error // what it returns is checked by check
	check func(err error) bool
	want  string
}

func boundCases() []boundCase {
	const deadline, redisTimeout = 100 * time.Millisecond, 50 * time.Millisecond
	waitWithin := func(d time.Duration, opts ...redislimiter.Option) func(*testing.T, string) error {
		return func(t *testing.T, addr string) error {
			l := redislimiter.New(readmeClient(t, addr), append(opts, redislimiter.WithPrefix(uniquePrefix(t)))...)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if d > 0 {
				ctx, cancel = context.WithTimeout(ctx, d)
			}
			defer cancel()
			return l.Wait(ctx)
		}
	}
	isDeadline := func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }
	return []boundCase{
		{"caller's deadline, fail-closed", deadline,
			waitWithin(deadline, redislimiter.WithRedisTimeout(time.Minute), redislimiter.WithFailClosed()),
			isDeadline, "context.DeadlineExceeded"},
		{"caller's deadline, fail-open", deadline,
			waitWithin(deadline, redislimiter.WithRedisTimeout(time.Minute)),
			isDeadline, "context.DeadlineExceeded"},
		{"WithRedisTimeout, fail-closed", redisTimeout,
			waitWithin(0, redislimiter.WithRedisTimeout(redisTimeout), redislimiter.WithFailClosed()),
			func(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "redislimiter: ") },
			"the Redis error"},
		{"WithRedisTimeout, fail-open", redisTimeout,
			waitWithin(0, redislimiter.WithRedisTimeout(redisTimeout)),
			func(err error) bool { return err == nil }, "nil (paced locally)"},
		// OnResponse has no ctx: it must not wait for Redis at all, and the
		// 429 must still hold this process back, so that the next Wait
		// refuses at once a deadline the pause runs past.
		{"OnResponse, then Wait", 100 * time.Millisecond,
			func(t *testing.T, addr string) error {
				l := redislimiter.New(readmeClient(t, addr), redislimiter.WithPrefix(uniquePrefix(t)))
				l.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				return l.Wait(ctx)
			},
			isDeadline, "context.DeadlineExceeded at once (the pause runs past the deadline)"},
	}
}

// runBoundCases runs every case at once against addr, which hang has just
// made unresponsive, and checks each returns within its bound.
func runBoundCases(t *testing.T, addr string, hang func()) {
	cases := boundCases()
	hang()
	var wg sync.WaitGroup
	for _, tc := range cases {
		wg.Go(func() {
			t.Run(tc.name, func(t *testing.T) {
				start := time.Now()
				err := tc.run(t, addr)
				took := time.Since(start)
				t.Logf("returned after %v: %v", took.Round(time.Millisecond), err)
				if !tc.check(err) {
					t.Errorf("returned %v, want %s", err, tc.want)
				}
				if took > tc.bound+slack {
					t.Errorf("returned after %v, want within %v (+%v slack)", took, tc.bound, slack)
				}
			})
		})
	}
	wg.Wait()
}

// Redis blocked by DEBUG SLEEP: every call returns by the caller's
// deadline or by WithRedisTimeout, with the client options the README
// shows.
func TestBoundedWhenRedisIsPaused(t *testing.T) {
	t.Parallel()
	srv := startRedisServer(t)
	runBoundCases(t, srv.addr(), func() { srv.sleep(time.Minute) })
}

// A host that accepts connections and never answers: the same bounds.
func TestBoundedWhenRedisNeverAnswers(t *testing.T) {
	t.Parallel()
	addr, _ := silentListener(t)
	runBoundCases(t, addr, func() {})
}

// A command the limiter stopped waiting for does not hold its connection
// until the client's own timeout (here none at all): the limiter's
// commands go through a clone of the *redis.Client with socket timeouts
// of WithRedisTimeout, and the connection is closed soon after.
func TestAbandonedCommandFreesItsConnection(t *testing.T) {
	t.Parallel()
	addr, closed := silentListener(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: -1, WriteTimeout: -1})
	t.Cleanup(func() { rdb.Close() })
	// Long enough for the dial to end first: a connection go-redis is
	// still dialling when the limiter gives up goes to the pool idle, with
	// no command on it, which is not what this test is about (and under
	// load, a dial can take tens of milliseconds).
	const redisTimeout = 200 * time.Millisecond
	l := redislimiter.New(rdb, redislimiter.WithRedisTimeout(redisTimeout), redislimiter.WithFailClosed())
	start := time.Now()
	if err := l.Wait(context.Background()); err == nil {
		t.Fatal("Wait against a host that never answers = nil, want the Redis error")
	}
	// Without the clone's timeouts the connection would stay open as long
	// as the client does. The test ends as soon as it closes (about the
	// WithRedisTimeout after the Wait began); the bound is generous, for a
	// loaded machine.
	select {
	case <-closed:
		t.Logf("connection closed %v after the Wait began", time.Since(start).Round(time.Millisecond))
	case <-time.After(2 * time.Second):
		t.Errorf("the connection of the abandoned command is still open %v after the Wait began", time.Since(start).Round(time.Millisecond))
	}
}

// The case end to end: a 429 arrives while Redis is blocked, and
// Events.Send returns the 429 by its deadline instead of waiting for the
// pause write.
func TestSendIsNotHeldByThePauseWrite(t *testing.T) {
	t.Parallel()
	srv := startRedisServer(t)
	l := redislimiter.New(readmeClient(t, srv.addr()), redislimiter.WithPrefix(uniquePrefix(t)))
	fake := loopstest.NewServer(t)
	fake.Inject("POST /v1/events/send", loopstest.RetryAfter(30*time.Second))
	pauseThenSend := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		srv.sleep(time.Minute) // after Wait, before the 429 reaches OnResponse
		return fake.Transport().RoundTrip(r)
	})
	c := fake.Client(t, loops.WithLimiter(l), loops.WithHTTPClient(&http.Client{Transport: pauseThenSend}))
	const deadline = 500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	err := c.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"})
	took := time.Since(start)
	t.Logf("Events.Send returned after %v: %v", took.Round(time.Millisecond), err)
	if !errors.Is(err, loops.ErrRateLimited) {
		t.Errorf("Events.Send = %v, want the 429 (ErrRateLimited)", err)
	}
	if took > deadline+slack {
		t.Errorf("Events.Send returned after %v, past its %v deadline", took, deadline)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// When Redis fails, a 429 still pauses this process: the next Wait refuses
// at once a deadline that the Retry-After runs past, instead of letting the
// request go through the local fallback.
func TestPauseAppliedWhenRedisFails(t *testing.T) {
	t.Parallel()
	srv := startRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.addr(), MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	l := redislimiter.New(rdb, redislimiter.WithPrefix(uniquePrefix(t)), redislimiter.WithLogger(discard))
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.stop()
	l.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {"2"}})
	redislimiter.AwaitPauseWrites(l) // the write has failed
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err := l.Wait(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > slack {
		t.Errorf("Wait after a 429 with Redis down = %v after %v, want context.DeadlineExceeded at once (a 2 s pause, a 1 s deadline)", err, time.Since(start))
	}
}

var discard = slog.New(slog.DiscardHandler)

// Retry-After is read as seconds or as an HTTP date; a date in the past
// leaves the configured pause.
func TestRetryAfterDate(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	for _, tc := range []struct {
		name       string
		retryAfter string
		min, max   time.Duration
	}{
		{"seconds", "3", 2900 * time.Millisecond, 3 * time.Second},
		{"HTTP date", time.Now().Add(4 * time.Second).UTC().Format(http.TimeFormat), 2500 * time.Millisecond, 4 * time.Second},
		{"past HTTP date", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 1, 250 * time.Millisecond},
		{"garbage", "soon", 1, 250 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prefix := uniquePrefix(t)
			l := redislimiter.New(rdb, redislimiter.WithPrefix(prefix))
			l.OnResponse(http.StatusTooManyRequests, http.Header{"Retry-After": {tc.retryAfter}})
			redislimiter.AwaitPauseWrites(l)
			ttl, err := rdb.PTTL(context.Background(), prefix+"general:pause").Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl < tc.min || ttl > tc.max {
				t.Errorf("Retry-After %q: pause TTL %v, want within [%v, %v]", tc.retryAfter, ttl, tc.min, tc.max)
			}
		})
	}
}

// WithLimit with a limit or window that cannot pace anything keeps the
// constructor's default and says so in the log; one whose interval would
// overflow is clamped to one request an hour. None of them makes Redis
// fail ("Redis unavailable") or switches pacing off.
func TestWithLimitRefusesWhatCannotPace(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	for _, tc := range []struct {
		name   string
		limit  int
		window time.Duration
		warns  bool
		// clamped: the second of two Waits in a row, with a 1 s deadline,
		// is refused at once, the next slot being an hour away; otherwise
		// it returns after about the default 10/s interval.
		clamped bool
	}{
		{"zero limit", 0, time.Second, true, false},
		{"negative limit", -5, time.Second, true, false},
		{"zero window", 10, 0, true, false},
		{"negative window", 10, -time.Second, true, false},
		{"interval past time.Duration", 1, time.Duration(math.MaxInt64), false, true},
		{"interval of a century", 2, 200 * 365 * 24 * time.Hour, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			prefix := uniquePrefix(t)
			t.Cleanup(func() { rdb.Del(context.Background(), "rate:"+prefix+"general") })
			l := redislimiter.New(rdb, redislimiter.WithPrefix(prefix), redislimiter.WithLimit(tc.limit, tc.window),
				redislimiter.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			start := time.Now() // before the first slot: the second is at least 106 ms later
			if err := l.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			second := time.Now()
			err := l.Wait(ctx)
			took, both := time.Since(second), time.Since(start)
			if tc.clamped {
				if !errors.Is(err, context.DeadlineExceeded) || took > slack {
					t.Errorf("second Wait = %v after %v, want context.DeadlineExceeded at once (one request an hour)", err, took)
				}
			} else if err != nil || both < 100*time.Millisecond || both > 106*time.Millisecond+slack {
				t.Errorf("second Wait = %v, %v after the first began, want nil after about 106 ms (the default 10 a second)", err, both)
			}
			if strings.Contains(logs.String(), "Redis unavailable") {
				t.Errorf("the limit made Redis fail; logs:\n%s", logs.String())
			}
			if got := strings.Contains(logs.String(), "WithLimit"); got != tc.warns {
				t.Errorf("a warning naming WithLimit logged: %v, want %v; logs:\n%s", got, tc.warns, logs.String())
			}
		})
	}
}

// WithFallbackRate, WithRedisTimeout and WithPause values that cannot work
// keep their defaults instead of pacing the fallback at the general rate,
// failing every Redis call at once, or making Redis refuse the pause.
func TestOptionsThatCannotWorkKeepTheirDefaults(t *testing.T) {
	t.Parallel()
	t.Run("WithFallbackRate", func(t *testing.T) {
		t.Parallel()
		// Nothing listens at a closed port: Redis is down, the content
		// limiter paces locally at its own 60 a minute.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		for _, rate := range []float64{math.NaN(), math.Inf(1), -1} {
			rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
			t.Cleanup(func() { rdb.Close() })
			l := redislimiter.NewContent(rdb, redislimiter.WithFallbackRate(rate), redislimiter.WithLogger(discard),
				redislimiter.WithRedisTimeout(50*time.Millisecond))
			if err := l.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			err := l.Wait(ctx)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("WithFallbackRate(%v): second fallback Wait = %v, want context.DeadlineExceeded (60 a minute)", rate, err)
			}
		}
	})
	t.Run("WithRedisTimeout", func(t *testing.T) {
		t.Parallel()
		rdb := newRedis(t)
		for _, d := range []time.Duration{0, -time.Second} {
			var logs syncBuffer
			prefix := uniquePrefix(t)
			l := redislimiter.New(rdb, redislimiter.WithPrefix(prefix), redislimiter.WithRedisTimeout(d),
				redislimiter.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			if err := l.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(logs.String(), "Redis unavailable") || rdb.Exists(context.Background(), "rate:"+prefix+"general").Val() != 1 {
				t.Errorf("WithRedisTimeout(%v): Wait did not go through Redis; logs:\n%s", d, logs.String())
			}
		}
	})
	t.Run("WithPause", func(t *testing.T) {
		t.Parallel()
		rdb := newRedis(t)
		var logs syncBuffer
		prefix := uniquePrefix(t)
		l := redislimiter.New(rdb, redislimiter.WithPrefix(prefix), redislimiter.WithPause(-time.Second),
			redislimiter.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
		l.OnResponse(http.StatusTooManyRequests, nil)
		redislimiter.AwaitPauseWrites(l)
		if ttl := rdb.PTTL(context.Background(), prefix+"general:pause").Val(); ttl <= 0 || ttl > 250*time.Millisecond {
			t.Errorf("WithPause(-1s): pause TTL %v after a 429, want the default 250 ms; logs:\n%s", ttl, logs.String())
		}
	})
}

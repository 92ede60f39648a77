package redislimiter

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/loopsdev/loops-go/loops"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix starts every key a Limiter writes unless [WithPrefix] sets
// another one.
const DefaultPrefix = "loops:ratelimit:"

// safetyMargin keeps the shared pace this far below the nominal rate:
// requests leave evenly spaced but arrive with jitter, and a strict server
// counts arrivals. It is wider than loops.AdaptiveLimiter's 4 %, because a
// slot granted by Redis reaches each process after a round trip of its own.
const safetyMargin = 0.06

// maxPause caps a pause taken from Retry-After, so that a confused server
// cannot stop a fleet for long.
const maxPause = time.Minute

// A Limiter paces requests for every process that shares its Redis keys.
// It implements loops.Limiter, loops.ResponseObserver and
// loops.PauseReporter, and is safe for concurrent use. Create it with [New] or [NewContent].
type Limiter struct {
	rdb        redis.UniversalClient // the caller's client, or a clone of it with socket timeouts of opTimeout
	gcra       *redis_rate.Limiter
	key        string // GCRA key, without redis_rate's "rate:"
	pauseKey   string
	limit      redis_rate.Limit
	pause      time.Duration // how long a 429 without Retry-After pauses everyone
	opTimeout  time.Duration // bounds each exchange with Redis
	probeAfter time.Duration // how long to pace locally before asking Redis again
	failClosed bool
	fallback   *loops.AdaptiveLimiter
	log        *slog.Logger

	mu          sync.Mutex
	down        bool      // Redis did not answer last time
	nextProbe   time.Time // while down, when to try Redis again
	pausedUntil time.Time // after a 429 seen here, nothing leaves this process before this, whatever Redis says
	writing     bool      // a goroutine is writing pausedUntil to Redis
	written     time.Time // the last pausedUntil that goroutine took up
	writes      sync.WaitGroup
}

type config struct {
	prefix, name     string
	limit            int
	window           time.Duration
	fallback         float64 // requests per window when Redis is down; 0: the full limit
	pause, opTimeout time.Duration
	probeAfter       time.Duration
	failClosed       bool
	log              *slog.Logger
}

// An Option configures a Limiter.
type Option func(*config)

// WithPrefix starts every key with prefix, so that several teams (one API
// key each) can share one Redis. Default [DefaultPrefix].
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithName names the limit inside the prefix: "general" for [New],
// "content" for [NewContent].
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithLimit sets the shared budget: limit requests per window, for the
// whole fleet. Default 10 a second ([New]) or 60 a minute ([NewContent]);
// Loops raises limits on request.
//
// A limit or a window that is not positive cannot pace anything: the
// limiter then keeps the default and logs a warning, rather than switching
// pacing off. The interval between two requests (window / limit, less the
// safety margin) is clamped between a microsecond and an hour, so that no
// value overflows or stalls the fleet for years.
func WithLimit(limit int, window time.Duration) Option {
	return func(c *config) { c.limit, c.window = limit, window }
}

// WithFallbackRate sets this process's share of the budget, in requests
// per window, while Redis is down: the limit divided by the number of
// processes is the safe choice. Default: the whole limit, which keeps a
// single process at full speed and lets a fleet draw 429s (which the
// client retries) rather than stop. A share that is not finite and
// positive keeps the default (with a warning, unless it is 0).
func WithFallbackRate(perWindow float64) Option { return func(c *config) { c.fallback = perWindow } }

// WithFailClosed makes Wait fail with an error wrapping the Redis error
// when Redis does not answer, instead of pacing locally.
func WithFailClosed() Option { return func(c *config) { c.failClosed = true } }

// WithPause sets how long a 429 without Retry-After pauses every process
// (default 250 ms); a Retry-After (seconds or an HTTP date), up to a
// minute, wins when longer. A pause that is not positive keeps the
// default, with a warning.
func WithPause(d time.Duration) Option { return func(c *config) { c.pause = d } }

// WithRedisTimeout bounds each exchange with Redis (default 500 ms): a
// Wait waits at most this long for Redis before it falls back to local
// pacing (or, with [WithFailClosed], fails), whatever the client's
// options; see [New]. A timeout that is not positive keeps the default,
// with a warning.
func WithRedisTimeout(d time.Duration) Option { return func(c *config) { c.opTimeout = d } }

// WithProbeInterval sets how long the limiter paces locally after Redis
// failed before it asks Redis again (default 1 s).
func WithProbeInterval(d time.Duration) Option { return func(c *config) { c.probeAfter = d } }

// WithLogger sets where the switch to the local fallback, the return to
// Redis and a refused option are logged (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// New returns the limiter for Loops' general limit, 10 requests a second
// per team unless [WithLimit] says otherwise. Pass it with loops.WithLimiter.
//
// Every exchange with Redis is bounded by the caller's ctx and by
// [WithRedisTimeout], whatever the options of rdb. go-redis applies a
// ctx's deadline to socket reads and writes only with
// redis.Options.ContextTimeoutEnabled, and otherwise waits for its own
// ReadTimeout (5 s by default) and retries; so the limiter stops waiting
// on its own when the bound passes, and leaves the command to end in the
// background. When rdb is a *redis.Client, the limiter's commands go
// through rdb.WithTimeout (the same connection pool, and the hooks rdb
// has at this point) with read and write timeouts of at most the
// WithRedisTimeout, so that such a command also ends soon. With other
// clients (cluster, ring, failover), set ContextTimeoutEnabled or short
// ReadTimeout and WriteTimeout, or a Redis that hangs holds a connection
// per abandoned command until the client's own timeouts end it.
//
// OnResponse never waits for Redis: after a 429 it pauses this process at
// once and writes the pause to Redis from a goroutine (one at a time per
// Limiter), so that a slow Redis cannot hold a call past its deadline.
func New(rdb redis.UniversalClient, opts ...Option) *Limiter {
	return build(rdb, config{name: "general", limit: loops.DefaultRequestsPerSecond, window: time.Second}, opts)
}

// NewContent returns the limiter for the content API's own budget, 60
// requests a minute per team unless [WithLimit] says otherwise. Pass it
// with loops.WithContentLimiter. Redis is bounded as for [New].
func NewContent(rdb redis.UniversalClient, opts ...Option) *Limiter {
	return build(rdb, config{name: "content", limit: loops.DefaultContentRequestsPerMinute, window: time.Minute}, opts)
}

// Defaults of the options.
const (
	defaultPause      = 250 * time.Millisecond
	defaultOpTimeout  = 500 * time.Millisecond
	defaultProbeAfter = time.Second
)

// Bounds of the interval between two requests of the fleet, as in
// loops.NewLimiterPer: faster is no pacing worth the name, slower would
// overflow a time.Duration or stall every process for years.
const (
	minInterval = time.Microsecond
	maxInterval = time.Hour
)

func build(rdb redis.UniversalClient, c config, opts []Option) *Limiter {
	def := c
	c.prefix, c.pause, c.opTimeout, c.probeAfter = DefaultPrefix, defaultPause, defaultOpTimeout, defaultProbeAfter
	for _, o := range opts {
		o(&c)
	}
	key := c.prefix + c.name
	log := cmp.Or(c.log, slog.Default()).With("limiter", key)
	refused := func(why string, value, kept any) {
		log.Warn("redislimiter: "+why+"; keeping the default", "value", value, "default", kept)
	}
	if c.limit <= 0 || c.window <= 0 {
		refused("WithLimit needs a positive limit and window", fmt.Sprintf("%d per %v", c.limit, c.window), fmt.Sprintf("%d per %v", def.limit, def.window))
		c.limit, c.window = def.limit, def.window
	}
	if !(c.fallback >= 0) || math.IsInf(c.fallback, 1) { // NaN included
		refused("WithFallbackRate needs a finite positive rate", c.fallback, "the whole limit")
		c.fallback = 0
	}
	if c.fallback == 0 {
		c.fallback = float64(c.limit)
	}
	if c.pause <= 0 {
		refused("WithPause needs a positive pause", c.pause, defaultPause)
		c.pause = defaultPause
	}
	if c.opTimeout <= 0 {
		refused("WithRedisTimeout needs a positive timeout", c.opTimeout, defaultOpTimeout)
		c.opTimeout = defaultOpTimeout
	}
	rdb = withSocketTimeouts(rdb, c.opTimeout)
	return &Limiter{
		rdb: rdb, gcra: redis_rate.NewLimiter(rdb), key: key, pauseKey: key + ":pause",
		// Burst 1: requests leave one emission interval apart, fleet-wide,
		// which no server limiter counting 10 a second can refuse. GCRA
		// only depends on Period/Rate, so the interval is the period of
		// one request, computed in floating point and clamped.
		limit:      redis_rate.Limit{Rate: 1, Burst: 1, Period: interval(c.limit, c.window)},
		pause:      c.pause,
		opTimeout:  c.opTimeout,
		probeAfter: c.probeAfter,
		failClosed: c.failClosed,
		fallback:   loops.NewLimiterPer(c.fallback, c.window),
		log:        log,
	}
}

// interval is the fleet's spacing of limit requests per window, safety
// margin applied, clamped to [minInterval, maxInterval].
func interval(limit int, window time.Duration) time.Duration {
	d := float64(window) / (float64(limit) * (1 - safetyMargin))
	switch {
	case !(d >= float64(minInterval)): // NaN included
		return minInterval
	case d > float64(maxInterval):
		return maxInterval
	}
	return time.Duration(d)
}

// withSocketTimeouts returns the client the limiter sends its commands
// through: for a *redis.Client whose read or write timeout is unbounded or
// longer than timeout, a clone sharing its pool with both set to timeout
// (or to the shorter of the client's own), so that a command the limiter
// stopped waiting for does not hold a connection for long. Other clients
// are used as they are.
func withSocketTimeouts(rdb redis.UniversalClient, timeout time.Duration) redis.UniversalClient {
	c, ok := rdb.(*redis.Client)
	if !ok {
		return rdb
	}
	o := c.Options()
	if o.ReadTimeout > 0 && o.ReadTimeout <= timeout && o.WriteTimeout > 0 && o.WriteTimeout <= timeout {
		return rdb
	}
	for _, own := range []time.Duration{o.ReadTimeout, o.WriteTimeout} {
		if own > 0 {
			timeout = min(timeout, own)
		}
	}
	return c.WithTimeout(timeout)
}

// Wait blocks until the fleet's budget lets one request leave, or ctx is
// done. It sleeps exactly as long as a 429 seen by this process, the pause
// key's TTL or GCRA's retry-after say, never polling. A wait that would
// end past ctx's deadline fails at once with an error matching
// context.DeadlineExceeded. Asking Redis takes at most the
// [WithRedisTimeout], and never outlasts ctx.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		delay := l.localPause()
		if delay <= 0 {
			if l.useFallback() {
				return l.fallback.Wait(ctx)
			}
			var err error
			delay, err = l.try(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if l.failClosed {
					return fmt.Errorf("redislimiter: %w", err)
				}
				l.markDown(err)
				continue
			}
			l.markUp()
			if delay <= 0 {
				return nil
			}
		}
		if d, ok := ctx.Deadline(); ok && time.Now().Add(delay).After(d) {
			return fmt.Errorf("redislimiter: the next slot is %v away, past the deadline: %w", delay, context.DeadlineExceeded)
		}
		if err := sleep(ctx, delay); err != nil {
			return err
		}
	}
}

// try asks Redis once: how long a pause still lasts, else whether GCRA
// lets one request leave now (0) or after how long.
func (l *Limiter) try(ctx context.Context) (time.Duration, error) {
	return roundTrip(ctx, l.opTimeout, func(ctx context.Context) (time.Duration, error) {
		pause, err := l.rdb.PTTL(ctx, l.pauseKey).Result()
		if err != nil {
			return 0, err
		}
		if pause > 0 {
			return pause, nil
		}
		res, err := l.gcra.Allow(ctx, l.key, l.limit)
		if err != nil {
			return 0, err
		}
		if res.Allowed > 0 {
			return 0, nil
		}
		return max(res.RetryAfter, time.Millisecond), nil
	})
}

// roundTrip runs f, an exchange with Redis, and returns its result, or an
// error once ctx is done or timeout has passed, whichever comes first,
// even when the client goes on waiting for Redis (go-redis without
// ContextTimeoutEnabled sets its socket deadlines from its own timeouts,
// not from ctx). f then ends in the background, with its ctx cancelled.
func roundTrip[T any](ctx context.Context, timeout time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("Redis did not answer within %v", timeout))
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // it answered as time ran out
			return r.v, r.err
		default:
		}
		var zero T
		return zero, context.Cause(ctx)
	}
}

// extendPause sets the pause key to at least ARGV[1] milliseconds, never
// shortening a longer pause another process set.
var extendPause = redis.NewScript(`
if redis.call("PTTL", KEYS[1]) < tonumber(ARGV[1]) then
  redis.call("SET", KEYS[1], "1", "PX", ARGV[1])
end
return 0`)

// OnResponse pauses every process sharing the limit after a 429, for the
// Retry-After (delay-seconds or an HTTP date, capped at a minute) when it
// is longer than the configured pause ([WithPause]). It never waits for
// Redis: the pause holds this process back at once, whether or not Redis
// takes it, and is written to Redis for the other processes from a
// goroutine, within the [WithRedisTimeout]. Other answers change nothing:
// the shared pace already sits below the limit. While Redis is down, the
// pause stays local and every answer also goes to the local fallback
// limiter, which adapts as loops.AdaptiveLimiter does.
func (l *Limiter) OnResponse(status int, header http.Header) {
	l.OnResponsePause(status, header)
}

// OnResponsePause does what [Limiter.OnResponse] does and returns how long
// from now this process holds every request back: after a 429, the pause
// (or, while Redis is down, the local fallback's pause when longer); 0
// otherwise. It implements loops.PauseReporter, so that when the pause
// covers Loops' one-second window (a Retry-After of a second or more, or
// [WithPause] of a second or more) the client's retry queues in Wait with
// every other request instead of sleeping the window on its own first.
// A pause that another process wrote to Redis is not counted: only a Wait
// can read it.
func (l *Limiter) OnResponsePause(status int, header http.Header) time.Duration {
	fallback := l.useFallback()
	var fallbackPause time.Duration
	if fallback {
		fallbackPause = l.fallback.OnResponsePause(status, header) // the local pace adapts while it is the one in use
	}
	if status != http.StatusTooManyRequests {
		return fallbackPause
	}
	now := time.Now()
	pause := l.pause
	if ra, ok := parseRetryAfter(header.Get("Retry-After"), now); ok {
		pause = max(pause, min(ra, maxPause))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := now.Add(pause); until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	if !fallback && !l.writing && l.pausedUntil.After(l.written) {
		l.writing = true
		l.writes.Add(1)
		go l.writePauses()
	}
	return max(l.pausedUntil.Sub(now), fallbackPause)
}

// writePauses writes the local pause to Redis until Redis holds the
// latest one, so that however many 429s arrive while Redis is slow, one
// goroutine at a time writes them. A write that fails leaves the pause
// local and sends the limiter to its fallback.
func (l *Limiter) writePauses() {
	defer l.writes.Done()
	for {
		l.mu.Lock()
		until := l.pausedUntil
		if !until.After(l.written) {
			l.writing = false
			l.mu.Unlock()
			return
		}
		l.written = until
		l.mu.Unlock()
		ms := time.Until(until).Milliseconds()
		if ms <= 0 {
			continue
		}
		_, err := roundTrip(context.Background(), l.opTimeout, func(ctx context.Context) (any, error) {
			return nil, extendPause.Run(ctx, l.rdb, []string{l.pauseKey}, ms).Err()
		})
		if err != nil {
			l.markDown(err)
		}
	}
}

// localPause is how long a 429 seen by this process still holds it back.
func (l *Limiter) localPause() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Until(l.pausedUntil)
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP
// date. A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		return time.Duration(min(s, int64(maxPause/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// useFallback reports whether Redis failed recently, so that this process
// paces itself until the next probe.
func (l *Limiter) useFallback() bool {
	if l.failClosed {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.down && time.Now().Before(l.nextProbe)
}

func (l *Limiter) markDown(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.down {
		l.log.Warn("redislimiter: Redis unavailable, pacing this process locally", "error", err, "retryRedisAfter", l.probeAfter)
	}
	l.down, l.nextProbe = true, time.Now().Add(l.probeAfter)
}

func (l *Limiter) markUp() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		l.down = false
		l.log.Info("redislimiter: Redis answers again, pacing the fleet from Redis")
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

package redislimiter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
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
// It implements loops.Limiter and loops.ResponseObserver, and is safe for
// concurrent use. Create it with [New] or [NewContent].
type Limiter struct {
	rdb        redis.UniversalClient
	gcra       *redis_rate.Limiter
	key        string // GCRA key, without redis_rate's "rate:"
	pauseKey   string
	limit      redis_rate.Limit
	pause      time.Duration // how long a 429 without Retry-After pauses everyone
	opTimeout  time.Duration // bounds each Redis round trip
	probeAfter time.Duration // how long to pace locally before asking Redis again
	failClosed bool
	fallback   *loops.AdaptiveLimiter
	log        *slog.Logger

	mu        sync.Mutex
	down      bool      // Redis did not answer last time
	nextProbe time.Time // while down, when to try Redis again
}

type config struct {
	prefix, name     string
	limit            float64
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
func WithLimit(limit int, window time.Duration) Option {
	return func(c *config) { c.limit, c.window = float64(limit), window }
}

// WithFallbackRate sets this process's share of the budget, in requests
// per window, while Redis is down: the limit divided by the number of
// processes is the safe choice. Default: the whole limit, which keeps a
// single process at full speed and lets a fleet draw 429s (which the
// client retries) rather than stop.
func WithFallbackRate(perWindow float64) Option { return func(c *config) { c.fallback = perWindow } }

// WithFailClosed makes Wait fail with an error wrapping the Redis error
// when Redis does not answer, instead of pacing locally.
func WithFailClosed() Option { return func(c *config) { c.failClosed = true } }

// WithPause sets how long a 429 without Retry-After pauses every process
// (default 250 ms); a Retry-After, up to a minute, wins when longer.
func WithPause(d time.Duration) Option { return func(c *config) { c.pause = d } }

// WithRedisTimeout bounds each Redis round trip (default 500 ms), so that a
// hung Redis falls back quickly.
func WithRedisTimeout(d time.Duration) Option { return func(c *config) { c.opTimeout = d } }

// WithProbeInterval sets how long the limiter paces locally after Redis
// failed before it asks Redis again (default 1 s).
func WithProbeInterval(d time.Duration) Option { return func(c *config) { c.probeAfter = d } }

// WithLogger sets where the switch to the local fallback and the return to
// Redis are logged (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// New returns the limiter for Loops' general limit, 10 requests a second
// per team unless [WithLimit] says otherwise. Pass it with loops.WithLimiter.
func New(rdb redis.UniversalClient, opts ...Option) *Limiter {
	return build(rdb, config{name: "general", limit: loops.DefaultRequestsPerSecond, window: time.Second}, opts)
}

// NewContent returns the limiter for the content API's own budget, 60
// requests a minute per team unless [WithLimit] says otherwise. Pass it
// with loops.WithContentLimiter.
func NewContent(rdb redis.UniversalClient, opts ...Option) *Limiter {
	return build(rdb, config{name: "content", limit: loops.DefaultContentRequestsPerMinute, window: time.Minute}, opts)
}

func build(rdb redis.UniversalClient, c config, opts []Option) *Limiter {
	c.prefix, c.pause, c.opTimeout, c.probeAfter, c.log = DefaultPrefix, 250*time.Millisecond, 500*time.Millisecond, time.Second, slog.Default()
	for _, o := range opts {
		o(&c)
	}
	if c.fallback <= 0 {
		c.fallback = c.limit
	}
	key := c.prefix + c.name
	return &Limiter{
		rdb: rdb, gcra: redis_rate.NewLimiter(rdb), key: key, pauseKey: key + ":pause",
		// Burst 1: requests leave one emission interval apart, fleet-wide,
		// which no server limiter counting 10 a second can refuse.
		limit:      redis_rate.Limit{Rate: int(c.limit), Burst: 1, Period: time.Duration(float64(c.window) / (1 - safetyMargin))},
		pause:      c.pause,
		opTimeout:  c.opTimeout,
		probeAfter: c.probeAfter,
		failClosed: c.failClosed,
		fallback:   loops.NewLimiterPer(c.fallback, c.window),
		log:        c.log.With("limiter", key),
	}
}

// Wait blocks until the fleet's budget lets one request leave, or ctx is
// done. It sleeps exactly as long as the pause key's TTL or GCRA's
// retry-after say, never polling. A wait that would end past ctx's
// deadline fails at once with an error matching context.DeadlineExceeded.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if l.useFallback() {
			return l.fallback.Wait(ctx)
		}
		delay, err := l.try(ctx)
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
	ctx, cancel := context.WithTimeout(ctx, l.opTimeout)
	defer cancel()
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
}

// extendPause sets the pause key to at least ARGV[1] milliseconds, never
// shortening a longer pause another process set.
var extendPause = redis.NewScript(`
if redis.call("PTTL", KEYS[1]) < tonumber(ARGV[1]) then
  redis.call("SET", KEYS[1], "1", "PX", ARGV[1])
end
return 0`)

// OnResponse pauses every process sharing the limit after a 429, for the
// Retry-After in seconds when there is one (capped at a minute) or the
// configured pause. Other answers change nothing: the shared pace already
// sits below the limit. While Redis is down, every answer goes to the
// local fallback limiter instead, which adapts as loops.AdaptiveLimiter
// does.
func (l *Limiter) OnResponse(status int, header http.Header) {
	if l.useFallback() {
		l.fallback.OnResponse(status, header) // the local pace adapts while it is the one in use
		return
	}
	if status != http.StatusTooManyRequests {
		return
	}
	pause := l.pause
	if s, err := strconv.Atoi(header.Get("Retry-After")); err == nil && s > 0 {
		pause = max(pause, min(time.Duration(s)*time.Second, maxPause))
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.opTimeout)
	defer cancel()
	if err := extendPause.Run(ctx, l.rdb, []string{l.pauseKey}, pause.Milliseconds()).Err(); err != nil && !errors.Is(err, redis.Nil) {
		l.markDown(err)
	}
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

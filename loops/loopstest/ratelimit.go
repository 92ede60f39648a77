package loopstest

import (
	"math"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// A RateModel is how the fake counts a team's requests against a limit:
// [TokenBucket], [FixedWindow] or [SlidingWindow]. Loops does not say which
// it runs, so a client that must hold its own against any of them can be
// tested against each. Every model answers 429 with Loops' headers:
// x-ratelimit-limit (the limit per window) and x-ratelimit-remaining.
// Models are driven by the server's clock (WithClock), keyed by API key.
type RateModel interface {
	take(key string, now time.Time) rateState
	peek(key string, now time.Time) rateState
}

// rateState is what the rate-limit headers report about one request.
type rateState struct {
	limit     int
	remaining int
	allowed   bool
}

// TokenBucket refills limit tokens per window, holding at most burst; each
// request takes one. TokenBucket(10, time.Second, 1) spaces requests at
// least 100 ms apart; burst 10 lets ten arrive at once.
func TokenBucket(limit int, window time.Duration, burst int) RateModel {
	return &bucketModel{limit: limit, rate: rate.Limit(float64(limit) / window.Seconds()), burst: max(burst, 1), buckets: map[string]*rate.Limiter{}}
}

// FixedWindow allows limit requests in each window, the windows starting
// at whole multiples of window (each second, each minute).
func FixedWindow(limit int, window time.Duration) RateModel {
	return &windowModel{limit: limit, window: window, fixed: true, seen: map[string][]time.Time{}}
}

// SlidingWindow allows limit requests in any span of window.
func SlidingWindow(limit int, window time.Duration) RateModel {
	return &windowModel{limit: limit, window: window, seen: map[string][]time.Time{}}
}

type bucketModel struct {
	limit   int
	rate    rate.Limit
	burst   int
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func (m *bucketModel) take(key string, now time.Time) rateState {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[key]
	if b == nil {
		b = rate.NewLimiter(m.rate, m.burst)
		m.buckets[key] = b
	}
	ok := b.AllowN(now, 1)
	return rateState{m.limit, max(int(math.Floor(b.TokensAt(now))), 0), ok}
}

func (m *bucketModel) peek(key string, now time.Time) rateState {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b := m.buckets[key]; b != nil {
		return rateState{m.limit, max(int(math.Floor(b.TokensAt(now))), 0), true}
	}
	return rateState{m.limit, m.burst, true}
}

type windowModel struct {
	limit  int
	window time.Duration
	fixed  bool
	mu     sync.Mutex
	seen   map[string][]time.Time // accepted requests still in a window
}

// count drops what has left the window and returns what is left.
func (m *windowModel) count(key string, now time.Time) int {
	start := now.Add(-m.window)
	if m.fixed {
		start = now.Truncate(m.window).Add(-1)
	}
	m.seen[key] = slices.DeleteFunc(m.seen[key], func(t time.Time) bool { return !t.After(start) })
	return len(m.seen[key])
}

func (m *windowModel) take(key string, now time.Time) rateState {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.count(key, now)
	if n >= m.limit {
		return rateState{m.limit, 0, false}
	}
	m.seen[key] = append(m.seen[key], now)
	return rateState{m.limit, m.limit - n - 1, true}
}

func (m *windowModel) peek(key string, now time.Time) rateState {
	m.mu.Lock()
	defer m.mu.Unlock()
	return rateState{m.limit, max(m.limit-m.count(key, now), 0), true}
}

// unlimited is the model of a server built WithoutRateLimit: it reports
// Loops' default limit as untouched.
type unlimited struct{}

func (unlimited) take(string, time.Time) rateState {
	return rateState{DefaultRatePerSecond, DefaultRatePerSecond, true}
}
func (u unlimited) peek(k string, t time.Time) rateState { return u.take(k, t) }

package loopstest

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// rateState is what the rate-limit headers report about one request.
type rateState struct {
	limit     int
	remaining int
	allowed   bool
}

// limiter keeps one token bucket per API key. The buckets are driven by the
// server's clock (AllowN and TokensAt take the time explicitly), so a test
// with WithClock controls refills without sleeping.
type limiter struct {
	perSecond float64
	burst     int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{perSecond: perSecond, burst: burst, buckets: map[string]*rate.Limiter{}}
}

func (l *limiter) enabled() bool { return l.perSecond > 0 }

// limit is what x-ratelimit-limit reports: the bucket's size, or Loops'
// default when limiting is off.
func (l *limiter) limit() int {
	if !l.enabled() {
		return DefaultRateBurst
	}
	return l.burst
}

// take spends a token of key's bucket if one is left.
func (l *limiter) take(key string, now time.Time) rateState {
	if !l.enabled() {
		return l.untouched()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key)
	allowed := b.AllowN(now, 1)
	return rateState{limit: l.burst, remaining: remaining(b, now), allowed: allowed}
}

// peek reports key's bucket without spending from it or creating it.
func (l *limiter) peek(key string, now time.Time) rateState {
	if !l.enabled() {
		return l.untouched()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return rateState{limit: l.burst, remaining: l.burst, allowed: true}
	}
	return rateState{limit: l.burst, remaining: remaining(b, now), allowed: true}
}

func (l *limiter) untouched() rateState {
	return rateState{limit: DefaultRateBurst, remaining: DefaultRateBurst, allowed: true}
}

// bucket returns key's bucket, creating a full one. The caller holds l.mu.
func (l *limiter) bucket(key string) *rate.Limiter {
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(rate.Limit(l.perSecond), l.burst)
		l.buckets[key] = b
	}
	return b
}

// remaining is the whole number of tokens left, never negative.
func remaining(b *rate.Limiter, now time.Time) int {
	return max(int(math.Floor(b.TokensAt(now))), 0)
}

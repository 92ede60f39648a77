package loops

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Limiter paces requests before they are sent. *rate.Limiter from
// golang.org/x/time/rate satisfies it, as does [AdaptiveLimiter].
//
// Loops limits requests per team, not per process. A single Client's
// default limiter keeps that process under the limit; to share one budget
// between clients, pass the same Limiter to each, and across processes plug
// in a distributed implementation (module
// github.com/loopsdev/loops-go/contrib/redislimiter).
type Limiter interface {
	// Wait blocks until a request may be sent or ctx is done.
	Wait(ctx context.Context) error
}

// ResponseObserver is implemented by a Limiter that learns from answers.
// The client reports every response to it, after each attempt, so that a
// 429 seen by one goroutine slows every goroutine sharing the limiter, and
// the rate-limit headers can correct the pace.
type ResponseObserver interface {
	OnResponse(status int, header http.Header)
}

// DefaultRequestsPerSecond is Loops' documented limit per team.
const DefaultRequestsPerSecond = 10

// DefaultContentRequestsPerMinute is Loops' documented budget for the
// content API per team (campaigns, components, email messages, themes,
// transactional templates and groups, uploads, workflows), on top of the
// general limit.
const DefaultContentRequestsPerMinute = 60

// safetyMargin is how far below the nominal rate the limiter paces:
// requests leave evenly spaced but arrive with a few milliseconds of
// jitter, and a server enforcing a strict limit counts their arrivals.
const safetyMargin = 0.04

// AdaptiveLimiter spaces requests evenly at a rate just below the limit,
// shared by every goroutine (and every client) using it. It implements
// [ResponseObserver]: a 429 pauses everyone briefly, honouring Retry-After,
// and slows the pace, which then recovers step by step with each success
// (additive increase, multiplicative decrease); the x-ratelimit-limit
// header can only slow it below the configured rate, never speed it up.
// Wait refuses at once, with an error matching context.DeadlineExceeded,
// when the next free slot lies past the ctx deadline.
type AdaptiveLimiter struct {
	window      time.Duration // the limit's window: a second, or a minute for content
	base        time.Duration // the interval at the configured rate, margin applied
	mu          sync.Mutex
	interval    time.Duration // the current interval, base or slower after 429s
	floor       time.Duration // base, or slower when the server says its limit is lower
	last        time.Time     // when the last request left
	pausedUntil time.Time     // after a 429, no request leaves before this
}

// NewLimiter returns an [AdaptiveLimiter] for perSecond requests a second.
func NewLimiter(perSecond float64) *AdaptiveLimiter { return NewLimiterPer(perSecond, time.Second) }

// NewLimiterPer returns an [AdaptiveLimiter] for limit requests per window,
// such as NewLimiterPer(60, time.Minute) for the content API.
func NewLimiterPer(limit float64, window time.Duration) *AdaptiveLimiter {
	base := time.Duration(float64(window) / (limit * (1 - safetyMargin)))
	return &AdaptiveLimiter{window: window, base: base, interval: base, floor: base}
}

// Wait blocks until a request may leave: one interval after the last one
// actually left, and not before a pause ends. Slots are not reserved
// ahead, so a goroutine that wakes late pushes the next one back instead
// of letting two requests leave closer together than the interval.
func (l *AdaptiveLimiter) Wait(ctx context.Context) error {
	deadline, hasDeadline := ctx.Deadline()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		now := time.Now()
		at := later(l.last.Add(l.interval), l.pausedUntil)
		if !at.After(now) {
			l.last = now
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if hasDeadline && at.After(deadline) {
			return fmt.Errorf("rate limiter: the next slot is %v away, past the deadline: %w", at.Sub(now), context.DeadlineExceeded)
		}
		if err := sleep(ctx, at.Sub(now)); err != nil {
			return err
		}
	}
}

// OnResponse adapts the pace to an answer.
func (l *AdaptiveLimiter) OnResponse(status int, header http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if limit := rateLimitFrom(header); l.window == time.Second && limit.Limit > 0 {
		l.floor = max(l.base, time.Duration(float64(time.Second)/(float64(limit.Limit)*(1-safetyMargin))))
	}
	switch {
	case status == http.StatusTooManyRequests:
		l.interval = min(max(l.interval*9/8, l.floor), 2*l.floor)
		pause := l.interval
		if ra, ok := parseRetryAfter(header.Get("Retry-After"), now); ok && ra <= maxRetryAfter {
			pause = max(pause, ra)
		}
		l.pausedUntil = later(l.pausedUntil, now.Add(pause))
	case status < 500:
		l.interval = max(l.floor, l.interval-l.floor/8)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

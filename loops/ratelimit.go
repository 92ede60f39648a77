package loops

import (
	"context"
	"fmt"
	"math"
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
// The client reports every response to it, after each attempt (except a
// quota 429, which says nothing about the pace), so that a
// 429 seen by one goroutine slows every goroutine sharing the limiter, and
// the rate-limit headers can correct the pace.
type ResponseObserver interface {
	OnResponse(status int, header http.Header)
}

// PauseReporter is implemented by a [ResponseObserver] that can say how
// long an answer made it hold every request back. The client then calls
// OnResponsePause instead of OnResponse.
//
// After a 429 the client waits at least Loops' one-second window (or the
// Retry-After, when longer) before it retries. When the limiter reports a
// pause at least that long, the retry simply queues in the limiter's Wait
// with everyone else; otherwise (a shorter pause, or a limiter that does
// not implement PauseReporter) the client sleeps the window itself.
// [AdaptiveLimiter] implements it.
type PauseReporter interface {
	// OnResponsePause adapts to an answer as OnResponse does and returns
	// the pause it applied: how long from now no request sharing the
	// limiter may leave (0 when it did not pause).
	OnResponsePause(status int, header http.Header) time.Duration
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
// (additive increase, multiplicative decrease). The x-ratelimit-limit
// header can only slow it below the configured rate, never speed it up,
// and a lower limit learned from it lapses after [learnedLimitLapse]
// answers in a row that do not repeat it. Wait refuses at once, with an
// error matching context.DeadlineExceeded, when the next free slot lies
// past the ctx deadline.
type AdaptiveLimiter struct {
	window      time.Duration // the limit's window: a second, or a minute for content
	base        time.Duration // the interval at the configured rate, margin applied
	mu          sync.Mutex
	interval    time.Duration // the current interval, base or slower after 429s
	floor       time.Duration // base, or slower when the server says its limit is lower
	unconfirmed int           // answers since the last one that carried x-ratelimit-limit
	last        time.Time     // when the last request left
	pausedUntil time.Time     // after a 429, no request leaves before this
}

// Bounds of an [AdaptiveLimiter]'s interval between two requests. Faster
// than minInterval is no pacing worth the name (and would stall the
// additive recovery, whose step is an eighth of the interval); slower than
// maxInterval is clamped, so that no rate, however tiny, overflows a
// time.Duration or stalls a call for years.
const (
	minInterval = time.Microsecond
	maxInterval = time.Hour
)

// learnedLimitLapse is how many answers in a row may come without
// x-ratelimit-limit before a lower limit learned from that header stops
// slowing the limiter. Loops sends the header with every answer, so one
// that stops confirming the limit (a proxy's, a test server's, a stale
// one) should not hold the client back for ever.
const learnedLimitLapse = 8

// NewLimiter returns an [AdaptiveLimiter] for perSecond requests a second.
// A rate that is not a finite positive number (0, negative, NaN, ±Inf)
// cannot pace anything: the limiter then uses Loops' documented rate,
// [DefaultRequestsPerSecond], rather than switching pacing off or stalling.
// ([WithRateLimit] refuses such a rate with an error.) A rate so low that
// its interval would exceed an hour is clamped to one request an hour.
func NewLimiter(perSecond float64) *AdaptiveLimiter { return NewLimiterPer(perSecond, time.Second) }

// NewLimiterPer returns an [AdaptiveLimiter] for limit requests per window,
// such as NewLimiterPer(60, time.Minute) for the content API. A limit that
// is not a finite positive number, or a window that is not positive, falls
// back to Loops' documented [DefaultRequestsPerSecond] a second; intervals
// are clamped between a microsecond and an hour, as for [NewLimiter].
func NewLimiterPer(limit float64, window time.Duration) *AdaptiveLimiter {
	if !validRate(limit) || window <= 0 {
		limit, window = DefaultRequestsPerSecond, time.Second
	}
	base := intervalFor(limit, window)
	return &AdaptiveLimiter{window: window, base: base, interval: base, floor: base}
}

// validRate reports whether r is a rate a limiter can pace at: finite and
// positive.
func validRate(r float64) bool { return r > 0 && !math.IsInf(r, 0) } // NaN > 0 is false

// intervalFor is the spacing of limit requests per window, safety margin
// applied, clamped to [minInterval, maxInterval]. The division happens in
// floating point, so a tiny rate cannot overflow the conversion.
func intervalFor(limit float64, window time.Duration) time.Duration {
	d := float64(window) / (limit * (1 - safetyMargin))
	switch {
	case !(d >= float64(minInterval)): // NaN included
		return minInterval
	case d > float64(maxInterval):
		return maxInterval
	}
	return time.Duration(d)
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
			// No "rate limiter:" prefix: the client adds it to every limiter's error.
			return fmt.Errorf("the next slot is %v away, past the deadline: %w", at.Sub(now), context.DeadlineExceeded)
		}
		if err := sleep(ctx, at.Sub(now)); err != nil {
			return err
		}
	}
}

// OnResponse adapts the pace to an answer.
func (l *AdaptiveLimiter) OnResponse(status int, header http.Header) {
	l.OnResponsePause(status, header)
}

// OnResponsePause adapts the pace to an answer and returns the pause it
// applied to every user of the limiter: after a 429, the slowed interval
// or the Retry-After (up to a minute), whichever is longer; otherwise 0.
// It implements [PauseReporter].
func (l *AdaptiveLimiter) OnResponsePause(status int, header http.Header) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.learnLimit(header)
	switch {
	case status == http.StatusTooManyRequests:
		l.interval = min(max(l.interval*9/8, l.floor), 2*l.floor)
		pause := l.interval
		if ra, ok := parseRetryAfter(header.Get("Retry-After"), now); ok && ra <= maxRetryAfter {
			pause = max(pause, ra)
		}
		l.pausedUntil = later(l.pausedUntil, now.Add(pause))
		return l.pausedUntil.Sub(now)
	case status < 500:
		l.interval = max(l.floor, l.interval-l.floor/8)
	}
	return 0
}

// learnLimit lets x-ratelimit-limit slow the limiter below its configured
// rate (for the per-second limit, which is the one the header describes),
// and lets that lower limit lapse once answers stop confirming it.
func (l *AdaptiveLimiter) learnLimit(header http.Header) {
	if l.window != time.Second {
		return
	}
	floor := l.floor
	if limit := rateLimitFrom(header); limit.Limit > 0 {
		l.unconfirmed = 0
		floor = max(l.base, intervalFor(float64(limit.Limit), time.Second))
	} else if l.unconfirmed++; l.unconfirmed >= learnedLimitLapse {
		floor = l.base
	}
	if floor != l.floor {
		// The interval keeps its ratio to the floor: a slowdown that 429s
		// built on the old limit carries over, scaled to the new one.
		scaled := time.Duration(float64(l.interval) * float64(floor) / float64(l.floor))
		l.floor, l.interval = floor, min(max(scaled, floor), 2*floor)
	}
}

// gap is the current interval between two requests.
func (l *AdaptiveLimiter) gap() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.interval
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

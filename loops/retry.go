package loops

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Retry defaults: at most 3 retries, waits growing from 250 ms by doubling
// up to 4 s, each varied by up to 10 % so that clients do not retry in step.
const (
	DefaultMaxRetries  = 3
	DefaultBackoffBase = 250 * time.Millisecond
	DefaultBackoffMax  = 4 * time.Second
	DefaultJitter      = 0.1
)

// rateLimitWindow is the shortest wait after a 429: Loops counts requests
// per second, so retrying sooner would only be refused again.
const rateLimitWindow = time.Second

// maxRetryAfter bounds how long the client honours a Retry-After header.
// A longer one is returned to the caller as the error instead of stalling.
const maxRetryAfter = time.Minute

// retryPolicy decides whether and when to send a request again.
type retryPolicy struct {
	maxRetries int
	base, max  time.Duration
	jitter     float64
}

// safety says what a repeated request could do on the server.
type safety int

const (
	// repeatable requests (reads, the PUT upsert, sends with an
	// Idempotency-Key, and writes that carry expectedRevisionId) cause no
	// second effect when repeated: a revisioned write that already applied
	// meets 409 on the replay, which the caller sees as a conflict (with
	// Attempts > 1), never as a second change.
	repeatable safety = iota
	// oneShot requests (other POSTs and DELETEs) may act twice; they are
	// repeated only when Loops provably did not act.
	oneShot
)

// classify decides a request's safety from its method and what the
// contract says about its operation.
func classify(method string, flags routeFlag) safety {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut:
		return repeatable
	}
	if flags&(routeKeyed|routeRevisioned|routeIdempotent) != 0 {
		return repeatable
	}
	return oneShot
}

// retryableStatus reports whether a response status may be retried for a
// request of the given safety. 429 means Loops refused before acting; a 5xx
// may come after it acted, so only repeatable requests retry it.
func retryableStatus(status int, s safety) bool {
	switch {
	case status == http.StatusTooManyRequests:
		return true
	case status >= 500 && status <= 599:
		return s == repeatable
	}
	return false
}

// backoff returns the wait before retry number n (1-based) after an error
// that carried no Retry-After.
func (p retryPolicy) backoff(n int) time.Duration {
	if p.max == 0 { // WithBackoff(0, 0, 0): retry at once
		return 0
	}
	d := p.max
	if shift := n - 1; shift < 32 {
		if grown := p.base << shift; grown > 0 && grown < p.max {
			d = grown
		}
	}
	if p.jitter > 0 {
		// Spread by ±jitter around d.
		d += time.Duration((rand.Float64()*2 - 1) * p.jitter * float64(d))
	}
	return d
}

// waitAfterStatus returns how long to wait before retry n after a response
// with the given status and headers, and false when the server asked for a
// wait too long to honour. After a 429 the wait is at least Loops'
// one-second window (or the Retry-After, when longer), unless the limiters
// already hold every request back that long (paused, as reported through
// [PauseReporter]): the retry then only queues for its slot with everyone
// else.
func (p retryPolicy) waitAfterStatus(n, status int, h http.Header, now time.Time, paused time.Duration) (time.Duration, bool) {
	wait := p.backoff(n)
	if ra, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		if ra > maxRetryAfter {
			return 0, false
		}
		wait = ra
	}
	if status == http.StatusTooManyRequests {
		wait = max(wait, rateLimitWindow)
		if paused >= wait {
			return 0, true
		}
	}
	return wait, true
}

// parseRetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
// A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(maxRetryAfter/time.Second)*1000 {
			secs = int64(maxRetryAfter/time.Second) * 1000 // avoid overflow; still "too long"
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

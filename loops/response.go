package loops

import (
	"net/http"
	"strconv"
)

// RateLimit holds the rate-limit headers Loops sends with every response.
type RateLimit struct {
	// Limit is the number of requests allowed per second
	// (x-ratelimit-limit).
	Limit int
	// Remaining is how many are left in the current second
	// (x-ratelimit-remaining).
	Remaining int
	// Present is false when the response carried neither header, in which
	// case Limit and Remaining mean nothing.
	Present bool
}

func rateLimitFrom(h http.Header) RateLimit {
	limit, okL := headerInt(h, "X-Ratelimit-Limit")
	remaining, okR := headerInt(h, "X-Ratelimit-Remaining")
	return RateLimit{Limit: limit, Remaining: remaining, Present: okL || okR}
}

func headerInt(h http.Header, key string) (int, bool) {
	v := h.Get(key)
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// ResponseInfo describes the HTTP exchange behind one call. Ask for it with
// [WithResponseInfo]; it is filled in whether the call succeeds or fails
// (when a response was received at all).
type ResponseInfo struct {
	// StatusCode is the status of the last response, such as 200.
	StatusCode int
	// Header holds the last response's headers.
	Header http.Header
	// Body is the last response's raw body, exactly as received.
	Body []byte
	// RateLimit holds the x-ratelimit-* numbers of the last response.
	RateLimit RateLimit
	// Attempts is how many times the client sent the request, retries
	// included.
	Attempts int
	// Transmissions is how many times the request was written to a
	// connection, counted through net/http/httptrace, for sends under your
	// own Idempotency-Key: more than Attempts when net/http re-sent it by
	// itself on a broken keep-alive connection. 0 when not counted.
	Transmissions int
	// IdempotencyKey is the key sent with the request, whether you chose
	// it or the client generated it; empty for calls that take none.
	IdempotencyKey string
	// Deduplicated is true when Loops answered 409 "already processed" to
	// a send whose earlier transmission of this very call must have landed
	// (its answer lost), so the call is reported as a success and nothing
	// was sent twice: always for a generated key, and for your own key when
	// an earlier attempt ended ambiguously or net/http re-sent the request
	// (Attempts > 1 or Transmissions > 1 say which).
	Deduplicated bool
}

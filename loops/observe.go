package loops

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Observer watches logical calls: one typed method (or [Client.Do], or a
// request of the low-level client) from its start to its result, across
// every attempt and wait. Set one with [WithObserver]; it is what
// telemetry adapters such as contrib/otelloops plug in.
//
// An Observer sees the facts only the SDK knows: the operation, each
// attempt and why it was retried, the time spent in the rate limiters,
// whether a send was deduplicated, and the final error class. It never
// sees the API key, request headers, bodies or query strings (which may
// hold email addresses): only the route template, such as
// /v1/contacts/{contactId}.
//
// Its methods are called on the goroutine making the call, in order:
// StartCall, then for each attempt LimiterWaited (once per limiter that
// made it wait) and Attempted, then Ended. They should return quickly.
// A call refused by local validation is not reported: nothing was sent.
type Observer interface {
	// StartCall is called once per call before anything is sent. The ctx
	// it returns becomes the call's context (so a span started here is
	// the parent of what the request does, and a request middleware can
	// propagate it); the CallObserver receives the rest of the call, and
	// may be nil to ignore it.
	StartCall(ctx context.Context, op Operation) (context.Context, CallObserver)
}

// CallObserver receives the events of one call; see [Observer].
type CallObserver interface {
	// LimiterWaited reports a wait before an attempt in one of the
	// client's limiters: "requests" (the general limit) or "content" (the
	// content API's budget). Waits shorter than a microsecond are not
	// reported.
	LimiterWaited(limiter string, d time.Duration)
	// Attempted reports one attempt and what the client decided after it.
	Attempted(a Attempt)
	// Ended reports the call's result.
	Ended(r CallResult)
}

// Operation names what a call does.
type Operation struct {
	// Name is the SDK method, such as "Events.Send"; for [Client.Do] and
	// the low-level client it is the HTTP method and route.
	Name string
	// OperationID is the contract's operationId, such as "sendEvent";
	// empty for a path the contract lacks.
	OperationID string
	// Method is the HTTP method.
	Method string
	// Route is the path template, such as "/v1/contacts/{contactId}";
	// empty for a path the contract lacks (its concrete path may hold
	// identifiers, so it is never reported).
	Route string
}

// Attempt describes one attempt of a call.
type Attempt struct {
	// N counts attempts from 1.
	N int
	// StatusCode is the answer's status, 0 when none arrived.
	StatusCode int
	// Err is the transport error of an attempt that got no answer (its
	// URL's query redacted); nil otherwise.
	Err error
	// Duration is the time from sending to having read the answer.
	Duration time.Duration
	// RateLimit holds the answer's x-ratelimit-* numbers.
	RateLimit RateLimit
	// Retry is why the client will send the request again ("" when it
	// will not): RetryRateLimited, RetryServerError or RetryTransport.
	Retry string
	// RetryWait is how long the client waits before that retry, on top of
	// any limiter wait.
	RetryWait time.Duration
}

// Reasons for a retry, as reported in [Attempt].Retry.
const (
	RetryRateLimited = "rate_limited" // a 429
	RetryServerError = "server_error" // a 5xx
	RetryTransport   = "transport"    // no answer: a connection error or an attempt timeout
)

// CallResult describes how a call ended.
type CallResult struct {
	// Err is the call's error, nil on success.
	Err error
	// Class sorts Err into a short, stable word for metrics; see
	// [ErrorClass].
	Class string
	// StatusCode is the last answer's status, 0 when none arrived.
	StatusCode int
	// Attempts is how many times the request was sent.
	Attempts int
	// Deduplicated is true when a send succeeded because Loops had
	// already processed its idempotency key (see [ResponseInfo]).
	Deduplicated bool
	// IdempotencyKey is true when the request carried an Idempotency-Key.
	// (The key itself is not reported: the caller's may be built from
	// personal data.)
	IdempotencyKey bool
}

// ErrorClass sorts an error from a call into a short word for metrics and
// traces: "" for nil, then "invalid_input", "rate_limited",
// "unauthorized", "not_found", "conflict", "bad_request", "server_error",
// "api_error" (another status), "canceled", "timeout" or "transport".
func ErrorClass(err error) string {
	var apiErr *APIError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrInvalidInput):
		return "invalid_input"
	case errors.As(err, &apiErr):
		return statusClass(apiErr.StatusCode)
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "transport"
}

// statusClass sorts an error status for [ErrorClass].
func statusClass(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		return "rate_limited"
	case code == http.StatusUnauthorized:
		return "unauthorized"
	case code == http.StatusNotFound:
		return "not_found"
	case code == http.StatusConflict:
		return "conflict"
	case code == http.StatusBadRequest:
		return "bad_request"
	case code >= 500:
		return "server_error"
	}
	return "api_error"
}

// WithObserver reports every call of the client to o (see [Observer]).
// A nil o removes the observer.
func WithObserver(o Observer) Option {
	return clientOption(func(c *config) error {
		c.observer = o
		return nil
	})
}

// startCall asks the client's observer about a call starting. Typed
// methods are named by their op ("Events.Send"); Do and the low-level
// client by method and route template, as their concrete path may hold
// identifiers.
func (p *pipeline) startCall(st *callState, rt *route, method string) {
	op := Operation{Name: st.op, Method: method}
	if rt != nil {
		op.OperationID, op.Method, op.Route = rt.id, rt.method, rt.path
	}
	if strings.Contains(st.op, " ") { // "GET /v1/...": Do or the low-level client
		op.Name = strings.TrimSpace(op.Method + " " + op.Route)
	}
	ctx, obs := p.observer.StartCall(st.Context, op)
	if ctx != nil {
		st.Context = ctx
	}
	st.obs = obs
}

// endCall reports a call's result to its observer, if any.
func (st *callState) endCall(err error) {
	if st.obs == nil {
		return
	}
	class := ErrorClass(err)
	if err == nil && st.rawBody && st.status >= 300 { // the low-level client returns non-2xx answers without an error
		class = statusClass(st.status)
	}
	st.obs.Ended(CallResult{
		Err:            err,
		Class:          class,
		StatusCode:     st.status,
		Attempts:       st.attempts,
		Deduplicated:   st.deduplicated,
		IdempotencyKey: st.key != "",
	})
}

// retryReason names why a retry follows an attempt.
func retryReason(resp *http.Response) string {
	switch {
	case resp == nil:
		return RetryTransport
	case resp.StatusCode == http.StatusTooManyRequests:
		return RetryRateLimited
	}
	return RetryServerError
}

// limiterName names the i-th limiter an attempt waits for: content calls
// wait for the content budget first.
func limiterName(flags routeFlag, i int) string {
	if flags&routeContent != 0 && i == 0 {
		return "content"
	}
	return "requests"
}

// attemptOf describes an attempt for an observer.
func attemptOf(n int, resp *http.Response, err error, took time.Duration, retry bool, wait time.Duration) Attempt {
	a := Attempt{N: n, Err: err, Duration: took}
	if resp != nil {
		a.StatusCode, a.RateLimit = resp.StatusCode, rateLimitFrom(resp.Header)
	}
	if retry {
		a.Retry, a.RetryWait = retryReason(resp), wait
	}
	return a
}

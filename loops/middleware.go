package loops

import (
	"errors"
	"net/http"
)

// Middleware wraps each attempt of a request: it gets the request about to
// be sent and next, which sends it (through the remaining middleware and
// then your *http.Client), and returns the answer. Use it to add headers,
// propagate a trace context, record or fake traffic in tests.
//
// It runs inside the retry loop, once per attempt, after the rate limiter
// and with the Idempotency-Key, Authorization and User-Agent headers
// already set, so treat the request's headers as secret: log none of
// them. The client reads and closes the response body itself, so a
// middleware must not consume it. A middleware that returns an error
// without calling next makes the attempt fail as a transport error that
// sent nothing.
//
// Client middleware ([WithMiddleware] at NewClient) wraps call middleware
// (the same option passed to a call); the first one given is the
// outermost. A call's middleware is built into a chain per call; the
// client's is built once.
type Middleware func(req *http.Request, next MiddlewareNext) (*http.Response, error)

// MiddlewareNext sends a request on through the rest of the chain.
type MiddlewareNext func(req *http.Request) (*http.Response, error)

// errNilMiddleware refuses a nil Middleware when it is given, rather than
// when a request would call it.
var errNilMiddleware = errors.New("loops: WithMiddleware: nil Middleware")

// roundTrip sends r through the middleware that applies to the call and
// then the *http.Client. A call whose middleware is the client's uses the
// chain built once at NewClient, so middleware costs nothing per call.
func (p *pipeline) roundTrip(r *http.Request, st *callState) (*http.Response, error) {
	if len(st.request.middleware) == len(p.request.middleware) {
		return p.chain(r)
	}
	return chainMiddleware(st.request.middleware, p.http.Do)(r)
}

// chainMiddleware returns a MiddlewareNext that runs mws in order, the
// first outermost, and then last. Each level is its own closure, so a
// middleware may call next more than once.
func chainMiddleware(mws []Middleware, last MiddlewareNext) MiddlewareNext {
	next := last
	for i := len(mws) - 1; i >= 0; i-- {
		mw, inner := mws[i], next
		next = func(req *http.Request) (*http.Response, error) { return mw(req, inner) }
	}
	return next
}

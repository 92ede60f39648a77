package loops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// maxResponseBody bounds what the client reads of any response. Loops'
// answers are small JSON documents; anything this large is not one.
const maxResponseBody = 16 << 20

// pipeline is the generated client's HttpRequestDoer: every request of
// every call style passes through its Do, which adds the idempotency key,
// waits for the rate limiter, sends with the caller's *http.Client and
// retries when that is safe. Auth and User-Agent are set before, by request
// editors; the caller's *http.Client and its Transport stay underneath,
// untouched.
type pipeline struct {
	http           *http.Client
	limiter        Limiter        // nil: no client-side limit
	contentLimiter Limiter        // the content API's own budget; nil: none
	request        requestConfig  // retries, attempt timeout and extra headers, unless a call overrides them
	logger         *slog.Logger   // nil: no logging
	basePath       string         // the base URL's path, such as "/api"
	observer       Observer       // nil: calls are not observed
	chain          MiddlewareNext // request.middleware around http.Do, built once
}

// stateKey carries a call's *callState in the request context, from the
// typed method (or Do) to the pipeline and back.
type stateKey struct{}

// callState is what one logical call knows about itself across attempts.
// It is also the call's context, wrapping the caller's, so that the
// pipeline finds it in the request (Value(stateKey{})) without a
// context.WithValue per call.
type callState struct {
	context.Context
	op            string         // "Events.Send", for errors
	rt            *route         // the operation, when the caller knows it
	method, path  string         // "POST" and "/v1/events/send", set by the pipeline
	key           string         // Idempotency-Key sent, if any
	keyFromCaller bool           // the caller chose key
	ambiguous     bool           // an attempt ended in a way that may have processed it
	transmissions int            // times the request was written, net/http's re-sends included
	lastWrites    int            // of those, in the last attempt
	attempts      int            // requests sent so far
	body          []byte         // last response body, read in full
	rawBody       bool           // hand the body back in resp.Body too (low-level calls)
	info          *ResponseInfo  // where to report, if asked
	obs           CallObserver   // the observer's view of this call, if any
	client        *requestConfig // the client's settings
	request       *requestConfig // this call's: client, or its own copy after a RequestOption
	optErr        error          // the first invalid per-call option
	status        int            // the last answer's status, 0 before one
	deduplicated  bool           // a 409 for the call's own key read as success
	batch         *batchItem     // a batch item's pacing, retries and key; nil for a plain call
}

// Value makes the state findable from the request's context.
func (st *callState) Value(key any) any {
	if key == (stateKey{}) {
		return st
	}
	return st.Context.Value(key)
}

func stateFrom(ctx context.Context) *callState {
	if st, ok := ctx.Value(stateKey{}).(*callState); ok {
		return st
	}
	return nil
}

// route names a call's request for messages: "POST /v1/events/send". It
// never includes the query string; path parameters stay escaped, as sent.
func (st *callState) route() string { return st.method + " " + st.path }

// Do sends req, retrying as its safety allows, and returns the last
// response with its body fully read (so the connection is reused).
func (p *pipeline) Do(req *http.Request) (*http.Response, error) {
	if st := stateFrom(req.Context()); st != nil {
		return p.do(req, st)
	}
	// A call through the low-level gen client: no typed method reports its
	// end, so the pipeline does.
	path := strings.TrimPrefix(req.URL.EscapedPath(), p.basePath)
	st := &callState{Context: req.Context(), op: req.Method + " " + path, rawBody: true, client: &p.request, request: &p.request}
	if p.observer == nil {
		return p.do(req, st)
	}
	p.startCall(st, matchRoute(req.Method, path), req.Method)
	resp, err := p.do(req.WithContext(st), st) // the observer's context reaches the request
	st.endCall(err)
	return resp, err
}

// do runs the attempts of one call whose state is st.
func (p *pipeline) do(req *http.Request, st *callState) (*http.Response, error) {
	ctx := req.Context()
	path := strings.TrimPrefix(req.URL.EscapedPath(), p.basePath)
	st.method, st.path = req.Method, path
	rt := st.rt
	if rt == nil || rt.method != req.Method {
		rt = matchRoute(req.Method, path)
	}
	var flags routeFlag
	if rt != nil {
		flags = rt.flags
	}
	keyed := flags&routeKeyed != 0
	if err := p.applyIdempotencyKey(req, st, keyed); err != nil {
		return nil, err
	}
	safe := classify(req.Method, flags)
	limiters := []Limiter{p.limiter}
	if flags&routeContent != 0 {
		// The tighter budget first, so that no general slot is held while
		// the content one is a second away.
		limiters = []Limiter{p.contentLimiter, p.limiter}
	}
	// A body that cannot be sent again (a low-level call's plain reader,
	// without GetBody) rules retries out before the first attempt, so that
	// the caller gets that attempt's own answer or error.
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	var (
		resp *http.Response
		err  error
	)
	rc := st.request
	for name, v := range rc.header {
		req.Header[name] = v
	}
	maxRetries := rc.retry.maxRetries
	if st.batch != nil {
		maxRetries = st.batch.retries
	}
	counted := 0 // attempts counted against maxRetries
	shared := 0  // 429s the limiter took as another process's slot (see sharingLoss), not counted
	losses := 0  // 429s met: the retries that follow lead (AdaptiveLimiter.lead)
	waitCtx := ctx
	for attempt := 1; ; attempt++ {
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			losses++
			waitCtx = context.WithValue(ctx, retryAfter429{}, losses)
		}
		for i, l := range limiters {
			waited := time.Time{}
			if st.obs != nil && l != nil {
				waited = time.Now()
			}
			if werr := wait(waitCtx, l); werr != nil {
				if attempt > 1 && errors.Is(werr, context.DeadlineExceeded) {
					// The retry's slot lies past the caller's deadline (a
					// limiter paused by a long Retry-After, say): report
					// what the last attempt got, as when the client's own
					// wait would not fit.
					return resp, err
				}
				return nil, werr
			}
			if !waited.IsZero() {
				st.obs.LimiterWaited(limiterName(flags, i), time.Since(waited))
			}
		}
		st.attempts = attempt
		start := time.Now()
		var sent bool
		resp, sent, err = p.send(ctx, req, attempt, safe, st)
		took := time.Since(start)
		if resp != nil {
			st.status = resp.StatusCode
		}
		p.logAttempt(ctx, st, attempt, resp, err, took)
		if st.batch != nil {
			st.batch.attempts, st.batch.busy = attempt, st.batch.busy+took
		}
		var paused time.Duration // how long the limiters now hold everyone back
		learned := false         // a limiter took a 429 as another process's slot
		quota := resp != nil && resp.StatusCode == http.StatusTooManyRequests && isQuota(st.body)
		if resp != nil && !quota { // a quota says nothing about the pace
			if flags&routeContent != 0 {
				paused, learned = observe(p.contentLimiter, resp)
			}
			if flags&routeContent == 0 || resp.StatusCode != http.StatusTooManyRequests {
				d, l := observe(p.limiter, resp) // a content 429 is the content budget's
				paused, learned = max(paused, d), learned || l
			}
		}
		switch {
		case st.batch != nil && resp != nil && resp.StatusCode == http.StatusTooManyRequests:
			// A batch item rate limited by Loops waits its turn as long as
			// ctx allows: the 429 said Loops did not act, and the limiter
			// paces.
		case learned && shared < maxRetries:
			// A 429 that told the limiter another process of the team took
			// the slot is the price of sharing the team's budget without
			// shared state: it does not use up a retry (up to maxRetries
			// such 429s), so that a send does not fail while the processes
			// find their shares.
			shared++
		default:
			counted++
		}

		if err != nil && sent || resp != nil && resp.StatusCode >= 500 {
			st.ambiguous = true // Loops may have processed this attempt
		}
		var wait time.Duration
		retry := true
		switch {
		case err != nil:
			if ctx.Err() != nil || counted > maxRetries || (safe == oneShot && sent) || !replayable {
				retry = false
			} else {
				wait = rc.retry.backoff(attempt)
			}
		case quota || !replayable || counted > maxRetries || !retryableStatus(resp.StatusCode, safe):
			retry = false
		default:
			wait, retry = rc.retry.waitAfterStatus(attempt, resp.StatusCode, resp.Header, time.Now(), paused)
		}
		// Sleeping past the caller's deadline would only end in a bare
		// timeout: report what we have instead.
		retry = retry && fitsDeadline(ctx, wait)
		if st.obs != nil {
			st.obs.Attempted(attemptOf(attempt, resp, err, took, retry, wait))
		}
		if !retry {
			return resp, err
		}
		p.logRetry(ctx, st, attempt, wait, resp, err)
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("retry wait interrupted: %w", err)
		}
	}
}

// applyIdempotencyKey puts one key on a keyed request for all its attempts:
// the caller's (from a call option or a header set on a low-level call) or
// a fresh one. A key on any other request is refused: Loops would ignore
// it, and the caller would wrongly believe the call safe to repeat.
func (p *pipeline) applyIdempotencyKey(req *http.Request, st *callState, keyed bool) error {
	if st.key == "" {
		if h := req.Header.Get(idempotencyHeader); h != "" {
			st.key, st.keyFromCaller = h, true
		}
	}
	if st.key == "" && keyed && st.batch != nil && st.batch.key != "" {
		st.key, st.keyFromCaller = st.batch.key, true // derived from the job and item
	}
	if st.keyFromCaller {
		if !keyed {
			return invalid(st.op, "Idempotency-Key", "is accepted only by Events.Send and Transactional.Send")
		}
		if err := checkIdempotencyKey(st.op, st.key); err != nil {
			return err
		}
	}
	if !keyed {
		return nil
	}
	if st.key == "" {
		st.key = newIdempotencyKey()
	}
	req.Header.Set(idempotencyHeader, st.key)
	return nil
}

// observe reports a response to a limiter that learns from them, and
// returns the pause the limiter says it applied to everyone (0 when it
// did not pause, or cannot say: see [PauseReporter]), and whether the
// limiter took a 429 as another process's use of the slot (see
// AdaptiveLimiter.respond).
func observe(l Limiter, resp *http.Response) (pause time.Duration, sharingLoss bool) {
	switch o := l.(type) {
	case *AdaptiveLimiter:
		return o.respond(resp.StatusCode, resp.Header)
	case PauseReporter:
		return o.OnResponsePause(resp.StatusCode, resp.Header), false
	case ResponseObserver:
		o.OnResponse(resp.StatusCode, resp.Header)
	}
	return 0, false
}

// isQuota reports whether a 429's body describes a quota rather than a
// rate: the upload limit names maxUploads per windowHours (the contract's
// ErrorResponse). Retrying within seconds cannot succeed, and the pace of
// other calls has nothing to do with it.
func isQuota(body []byte) bool {
	if !bytes.Contains(body, []byte(`"maxUploads"`)) && !bytes.Contains(body, []byte(`"windowHours"`)) {
		return false // the usual 429, without decoding
	}
	var q struct {
		MaxUploads  *json.RawMessage `json:"maxUploads"`
		WindowHours *json.RawMessage `json:"windowHours"`
	}
	return json.Unmarshal(body, &q) == nil && (q.MaxUploads != nil || q.WindowHours != nil)
}

// wait waits for l (nil: no limit), keeping a limiter's own error as the
// cause and ctx errors as they are.
func wait(ctx context.Context, l Limiter) error {
	if l == nil {
		return ctx.Err()
	}
	err := l.Wait(ctx)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	}
	if _, ok := l.(*rate.Limiter); ok {
		if _, hasDeadline := ctx.Deadline(); hasDeadline {
			// x/time/rate refuses early when the wait would pass the
			// deadline, without wrapping the context error; keep
			// errors.Is(err, context.DeadlineExceeded) working.
			return fmt.Errorf("rate limiter: %v: %w", err, context.DeadlineExceeded)
		}
	}
	// Any other limiter's own error (a quota service down, say) is the
	// cause the caller needs to see.
	return fmt.Errorf("rate limiter: %w", err)
}

// send makes one attempt. sent reports whether any of the request may have
// reached the server, which decides whether a one-shot request can be
// repeated after a transport error.
func (p *pipeline) send(ctx context.Context, req *http.Request, attempt int, safe safety, st *callState) (resp *http.Response, sent bool, err error) {
	actx := ctx
	if timeout := st.request.attemptTimeout; timeout > 0 && fitsDeadline(ctx, timeout) {
		// (When the caller's deadline comes first it already bounds the
		// attempt, and the extra context would only cost allocations.)
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	// Only one-shot requests need to know whether any byte left, and only
	// sends under the caller's key how often net/http wrote them; the
	// trace costs a few allocations, so other requests skip it.
	var trace *sendTrace
	if safe == oneShot || st.keyFromCaller {
		trace = new(sendTrace)
		actx = httptrace.WithClientTrace(actx, trace.hooks())
	}
	r := req.WithContext(actx)
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil, true, errors.New("request body cannot be replayed for a retry") // Do never retries such a request
		}
		if r.Body, err = req.GetBody(); err != nil {
			return nil, true, err
		}
	}
	resp, err = p.roundTrip(r, st)
	if trace != nil {
		st.lastWrites = int(trace.writes.Load())
		st.transmissions += st.lastWrites
	}
	if err != nil {
		return nil, !trace.provesNothingSent(), redactURLError(err)
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, true, fmt.Errorf("reading response: %w", err)
	}
	st.body = body
	if st.rawBody {
		resp.Body = io.NopCloser(bytes.NewReader(body))
	} else {
		resp.Body = http.NoBody // typed calls read st.body
	}
	return resp, true, nil
}

// sendTrace watches one attempt for proof that nothing was sent.
type sendTrace struct {
	traced atomic.Bool  // the transport reports through httptrace at all
	wrote  atomic.Bool  // some of the request was written (perhaps only buffered)
	writes atomic.Int32 // whole transmissions, net/http's own re-sends included
}

func (t *sendTrace) hooks() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:          func(string) { t.traced.Store(true) },
		WroteHeaderField: func(string, []string) { t.wrote.Store(true) },
		WroteRequest:     func(httptrace.WroteRequestInfo) { t.writes.Add(1) },
	}
}

// provesNothingSent is true only with positive evidence: the transport
// reported getting a connection and never reported writing. A transport
// that does not report through httptrace (a custom RoundTripper, some
// HTTP/3 stacks) proves nothing, so its failures count as "maybe sent".
func (t *sendTrace) provesNothingSent() bool {
	return t != nil && t.traced.Load() && !t.wrote.Load()
}

// smallBody is the most readBody allocates before the bytes arrive: a
// declared Content-Length up to it is read in one allocation (Loops'
// answers are far smaller), anything longer or undeclared grows with what
// actually arrives. A server that declares 16 MiB and stalls costs a few
// KiB, not 16 MiB per call.
const smallBody = 32 << 10

// readBody reads and closes a response body, so that the connection goes
// back to the pool for the next request.
func readBody(resp *http.Response) ([]byte, error) {
	return readBodyUpTo(resp, maxResponseBody)
}

// readBodyUpTo is readBody with the cap as a parameter, so that tests
// check the undeclared-length path at a size the race detector reads
// quickly.
func readBodyUpTo(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	n := resp.ContentLength
	if n > limit {
		return nil, fmt.Errorf("response body larger than %d bytes", limit)
	}
	if n >= 0 && n <= smallBody {
		// The usual case, in one allocation: read exactly what was
		// announced (net/http's body ends there; Close drains any rest,
		// so the connection is reused).
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	var buf bytes.Buffer // grows as bytes arrive, doubling
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("response body larger than %d bytes", limit)
	}
	return buf.Bytes(), nil
}

// fitsDeadline reports whether waiting d still leaves the ctx deadline in
// the future.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Now().Add(d).Before(deadline)
}

// sleep waits d or until ctx is done, whichever comes first.
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

func (p *pipeline) logAttempt(ctx context.Context, st *callState, attempt int, resp *http.Response, err error, took time.Duration) {
	if p.logger == nil {
		return
	}
	attrs := []slog.Attr{slog.String("route", st.route()), slog.Int("attempt", attempt), slog.Duration("took", took)}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	p.logger.LogAttrs(ctx, slog.LevelDebug, "loops: request", attrs...)
}

func (p *pipeline) logRetry(ctx context.Context, st *callState, attempt int, wait time.Duration, resp *http.Response, err error) {
	if p.logger == nil {
		return
	}
	attrs := []slog.Attr{slog.String("route", st.route()), slog.Int("attempt", attempt), slog.Duration("wait", wait)}
	if resp != nil {
		attrs = append(attrs, slog.String("reason", resp.Status))
	}
	if err != nil {
		// Transport errors carry no secret: the URL's query is already
		// redacted (redactURLError) and headers never appear in them.
		attrs = append(attrs, slog.String("reason", "transport error"), slog.String("error", err.Error()))
	}
	p.logger.LogAttrs(ctx, slog.LevelInfo, "loops: retrying", attrs...)
}

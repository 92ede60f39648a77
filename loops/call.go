package loops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// sendFunc issues one request through the generated client (or, for Do,
// by hand) with the ctx that carries the call's state.
type sendFunc func(ctx context.Context) (*http.Response, error)

// call is the shared body of every typed method: run the request through
// the pipeline, turn a non-2xx answer into *APIError, decode a 2xx answer
// into T.
func call[T any](ctx context.Context, c *Client, rt *route, op string, opts []CallOption, send sendFunc) (*T, error) {
	out := new(T)
	if err := c.exchange(ctx, rt, op, opts, send, out); err != nil {
		return nil, err
	}
	return out, nil
}

// callList is call for operations that answer with a bare JSON array.
func callList[T any](ctx context.Context, c *Client, rt *route, op string, opts []CallOption, send sendFunc) ([]T, error) {
	list, err := call[[]T](ctx, c, rt, op, opts, send)
	if err != nil {
		return nil, err
	}
	return *list, nil
}

// callNoContent is call for operations whose answer carries nothing but
// success: 204, or a body such as {"success":true}. The body stays
// reachable through WithResponseInfo.
func callNoContent(ctx context.Context, c *Client, rt *route, op string, opts []CallOption, send sendFunc) error {
	return c.exchange(ctx, rt, op, opts, send, nil)
}

// exchange runs one logical call of operation rt (nil for Do: the pipeline
// then finds it from the path). out may be nil when the body is unwanted.
func (c *Client) exchange(ctx context.Context, rt *route, op string, opts []CallOption, send sendFunc, out any) error {
	switch {
	case c == nil || c.pipe == nil:
		return fmt.Errorf("loops: %s: the Client was not made with NewClient; create it with loops.NewClient", op)
	case ctx == nil:
		return fmt.Errorf("loops: %s: nil Context", op) // as net/http refuses one
	}
	st := &callState{Context: ctx, op: op, rt: rt, client: &c.pipe.request, request: &c.pipe.request}
	for _, opt := range opts {
		opt.applyCall(st)
	}
	if st.optErr != nil {
		return invalid(op, "call option", strings.TrimPrefix(st.optErr.Error(), "loops: "))
	}
	if c.pipe.observer == nil {
		return c.run(st, send, out)
	}
	method := ""
	if rt != nil {
		method = rt.method
	}
	c.pipe.startCall(st, rt, method)
	err := c.run(st, send, out)
	st.endCall(err)
	return err
}

// run sends the call whose state is st and reads its answer into out.
func (c *Client) run(st *callState, send sendFunc, out any) error {
	op := st.op
	resp, err := send(st) // the state is the call's context: one allocation for both
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return err
		}
		return fmt.Errorf("loops: %s: %w", op, err)
	}
	method, route := st.method, st.path
	if st.info != nil {
		*st.info = ResponseInfo{
			StatusCode:     resp.StatusCode,
			Header:         resp.Header,
			Body:           st.body,
			RateLimit:      rateLimitFrom(resp.Header),
			Attempts:       st.attempts,
			Transmissions:  st.transmissions,
			IdempotencyKey: st.key,
		}
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299 && unsuccessful(st.body):
		// {"success": false} under a 2xx status: a failure all the same.
		return c.apiError(resp, st, method, route)
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		if out == nil {
			return nil // a send's answer carries nothing: an empty body will do
		}
		if st.rt != nil { // nil for Do: the caller's out decides what it needs
			if err := checkRequired(st.rt.required, st.body); err != nil {
				return fmt.Errorf("loops: %s: the %d answer of %s %s %w", op, resp.StatusCode, method, route, err)
			}
		}
		if len(bytes.TrimSpace(st.body)) == 0 {
			return nil
		}
		if err := json.Unmarshal(st.body, out); err != nil {
			return fmt.Errorf("loops: %s: decoding the %d response of %s %s: %w", op, resp.StatusCode, method, route, err)
		}
		return nil
	case resp.StatusCode == http.StatusConflict && st.key != "" && (!st.keyFromCaller || st.ambiguous || st.lastWrites > 1):
		// Loops has already processed this key. A generated key only this
		// call can have sent: an earlier transmission landed and only its
		// answer was lost. Under the caller's key that is as certain when an
		// earlier attempt ended ambiguously (a timeout, a lost answer, a
		// 5xx), or net/http re-sent the request within this attempt on a
		// broken keep-alive connection. Otherwise the caller's key was used
		// before, by another call: ErrIdempotencyKeyReused, below.
		st.deduplicated = true
		if st.info != nil {
			st.info.Deduplicated = true
		}
		return nil
	}
	return c.apiError(resp, st, method, route)
}

func (c *Client) apiError(resp *http.Response, st *callState, method, route string) *APIError {
	body := st.body
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	body = c.secret.redact(body)
	msg, path := decodeErrorBody(resp.StatusCode, body)
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		msg, path = redirectMessage(resp), "" // never the body: it may repeat the target URL
	}
	// Decoding undoes JSON escapes, so a key echoed in escaped form
	// reappears in the message: redact again.
	msg, path = string(c.secret.redact([]byte(msg))), string(c.secret.redact([]byte(path)))
	return &APIError{
		StatusCode:     resp.StatusCode,
		Message:        msg,
		Path:           path,
		Method:         method,
		Route:          route,
		Body:           body,
		Header:         resp.Header,
		RateLimit:      rateLimitFrom(resp.Header),
		Attempts:       st.attempts,
		IdempotencyKey: st.key,
		keyFromCaller:  st.keyFromCaller,
	}
}

// Do calls an endpoint the SDK does not cover yet, with the client's auth,
// retries and rate limiting. path is relative to the base URL and starts
// with /v1/ (it may carry a query string; escape it yourself). A non-nil
// body is sent as JSON; a 2xx answer is decoded into out when out is not
// nil. Errors are the same as for typed calls.
func (c *Client) Do(ctx context.Context, method, path string, body, out any, opts ...CallOption) error {
	const op = "Do"
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.Contains(path, "://") {
		// An absolute URL would send the API key to another host.
		return invalid(op, "path", "must be a path such as /v1/contacts/find, not a URL")
	}
	if method == "" || strings.ContainsAny(method, " \t\r\n") {
		return invalid(op, "method", "must be an HTTP method such as GET")
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return invalid(op, "body", "cannot be encoded as JSON: "+err.Error())
		}
	}
	route, _, _ := strings.Cut(path, "?") // queries hold emails: keep them out of errors
	return c.exchange(ctx, matchRoute(method, route), method+" "+route, opts, func(ctx context.Context) (*http.Response, error) {
		var r io.Reader
		if payload != nil {
			r = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.server+path[1:], r)
		if err != nil {
			// net/http's error quotes the whole URL, query (emails) included.
			return nil, invalid(op, "path", "cannot be parsed as a URL path and query (check its %-escapes)")
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if err := c.editRequest(ctx, req); err != nil {
			return nil, err
		}
		return c.pipe.Do(req)
	}, out)
}

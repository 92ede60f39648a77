package loopstest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Request is one request as the server received it.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the path as received, escapes included, with the "/api"
	// prefix.
	Path string
	// Route is the method and the path without "/api", the form Inject and
	// RequestCount take, such as "POST /v1/events/send".
	Route string
	// Query is the decoded query string.
	Query url.Values
	// Header holds the headers, with the Authorization value redacted.
	Header http.Header
	// Body is the body as received.
	Body []byte
	// Status is the status code written, or 0 when no answer was written:
	// the connection was dropped, or the request is still in flight.
	Status int
	// Fault names the injected fault applied, "" for none (see Fault.String).
	Fault string
	// Attempt counts the requests to Route so far, this one included, from 1.
	Attempt int
	// Time is when the request arrived, by the server's clock.
	Time time.Time
}

// redacted replaces the API key in recorded headers, so that a journal
// printed in a test log never leaks a real key.
const redacted = "[redacted]"

// begin records an arriving request and picks its fault.
func (s *Server) begin(r *http.Request, body []byte) *exchange {
	// Later stages (kin-openapi, handlers) read the body again.
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))

	key := routeKey(r.Method, r.URL.EscapedPath())
	header := r.Header.Clone()
	if header.Get("Authorization") != "" {
		header.Set("Authorization", redacted)
	}
	now := s.now()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.attempts[key]++
	f := s.nextFault(key)
	s.requests = append(s.requests, Request{
		Method:  r.Method,
		Path:    r.URL.EscapedPath(),
		Route:   key,
		Query:   r.URL.Query(),
		Header:  header,
		Body:    slices.Clone(body),
		Fault:   f.name,
		Attempt: s.attempts[key],
		Time:    now,
	})
	return &exchange{r: r, body: body, index: len(s.requests) - 1, fault: f}
}

// finish records the status a request ended with.
func (s *Server) finish(x *exchange, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[x.index].Status = status
}

// requestAt returns a copy of the i-th recorded request.
func (s *Server) requestAt(i int) Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[i].clone()
}

func (r Request) clone() Request {
	r.Query = url.Values(http.Header(r.Query).Clone()) // the same deep copy
	r.Header = r.Header.Clone()
	r.Body = slices.Clone(r.Body)
	return r
}

// Requests returns every request received so far, in order of arrival,
// including those answered by a fault or rejected.
func (s *Server) Requests() []Request { return copies(s, &s.requests, Request.clone) }

// RequestCount returns how many requests reached route, such as
// "POST /v1/events/send", whatever happened to them.
func (s *Server) RequestCount(route string) int {
	key := normalizeRoute(route)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[key]
}

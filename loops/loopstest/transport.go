package loopstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// ErrConnectionDropped is the error Transport returns when a fault drops
// the connection (DropConnection, ProcessThenDrop). It wraps io.EOF, like
// the error net/http gives for a connection closed before any answer.
var ErrConnectionDropped = fmt.Errorf("loopstest: connection closed without a response: %w", io.EOF)

// ErrServerClosed is returned by Transport after Close.
var ErrServerClosed = errors.New("loopstest: server closed")

// Transport returns a RoundTripper that serves requests in-process through
// Handler, with no network at all: the host of the request URL is ignored.
// Use it with WithoutListener inside a testing/synctest bubble. The handler
// runs in the calling goroutine; Slow and Hang block it until their time
// passes or the request's context ends, in which case RoundTrip returns the
// context's error, and the dropping faults make RoundTrip return
// ErrConnectionDropped.
func (s *Server) Transport() http.RoundTripper { return transport{s} }

type transport struct{ s *Server }

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readAndClose(req.Body)
	if err != nil {
		return nil, err
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if t.s.isClosed() {
		return nil, ErrServerClosed
	}
	w := &memWriter{header: http.Header{}}
	t.s.serveHTTP(w, serverRequest(req, body))
	if w.dropped || w.status == 0 {
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		return nil, ErrConnectionDropped
	}
	return w.response(req), nil
}

// readAndClose drains a client request body, as a RoundTripper must close it.
func readAndClose(body io.ReadCloser) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	defer body.Close()
	return io.ReadAll(body)
}

// serverRequest turns a client request into what a server handler sees.
func serverRequest(req *http.Request, body []byte) *http.Request {
	r := req.Clone(req.Context())
	r.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	r.RequestURI = r.URL.RequestURI()
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.RemoteAddr = "127.0.0.1:0"
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if req.ContentLength > 0 { // a server sees the header the client sent
		r.Header.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	}
	return r
}

// memWriter collects an answer in memory.
type memWriter struct {
	header  http.Header
	status  int
	body    bytes.Buffer
	dropped bool
}

func (w *memWriter) Header() http.Header { return w.header }

func (w *memWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *memWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

func (w *memWriter) drop() { w.dropped = true }

func (w *memWriter) response(req *http.Request) *http.Response {
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", w.status, http.StatusText(w.status)),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}
}

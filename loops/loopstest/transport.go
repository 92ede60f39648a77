package loopstest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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
	w := &memWriter{ResponseRecorder: httptest.ResponseRecorder{HeaderMap: http.Header{}, Body: new(bytes.Buffer)}}
	t.s.serveHTTP(w, serverRequest(req, body))
	if w.dropped || w.Code == 0 {
		if err := req.Context().Err(); err != nil {
			return nil, err
		}
		return nil, ErrConnectionDropped
	}
	resp := w.Result()
	resp.ContentLength, resp.Request = int64(w.Body.Len()), req
	return resp, nil
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

// memWriter collects an answer in memory; Code stays 0 until one is written.
type memWriter struct {
	httptest.ResponseRecorder
	dropped bool
}

func (w *memWriter) drop() { w.dropped = true }

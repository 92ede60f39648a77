package loopstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops/loopstest"
)

// client drives a fake with plain net/http, as any Loops client would.
type client struct {
	t    testing.TB
	base string
	key  string
	http *http.Client
}

func newClient(t testing.TB, srv *loopstest.Server) *client {
	return &client{t: t, base: srv.URL(), key: srv.APIKey(), http: &http.Client{}}
}

// result is a received answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request to path (such as "/v1/contacts/create"). body is sent
// as is when it is a string and as JSON otherwise; headers come in pairs.
func (c *client) do(method, path string, body any, headers ...string) *result {
	c.t.Helper()
	res, err := c.try(context.Background(), method, path, body, headers...)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

// try is do that returns transport errors instead of failing.
func (c *client) try(ctx context.Context, method, path string, body any, headers ...string) (*result, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, encode(c.t, body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &result{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func encode(t testing.TB, body any) io.Reader {
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatalf("encoding %v: %v", body, err)
	}
	return bytes.NewReader(raw)
}

// want fails the test unless the answer has the status.
func (r *result) want(t testing.TB, status int) *result {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// decode unmarshals the body into v.
func (r *result) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// object decodes the body as a JSON object.
func (r *result) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// message reads the message of an error body.
func (r *result) message(t testing.TB) string {
	t.Helper()
	msg, _ := r.object(t)["message"].(string)
	return msg
}

// recordingTB stands in for a test in NewServer, collecting the errors the
// fake reports instead of failing the real test.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) reported() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// contains reports whether s contains every part.
func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

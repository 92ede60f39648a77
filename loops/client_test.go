package loops_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/loopsdev/loops-go/gen"
	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name string
		opt  loops.Option
	}{
		{"WithMaxRetries(-1)", loops.WithMaxRetries(-1)},
		{"WithBackoff zero base", loops.WithBackoff(0, time.Second, 0.1)},
		{"WithBackoff negative base", loops.WithBackoff(-time.Second, time.Second, 0.1)},
		{"WithBackoff max below base", loops.WithBackoff(2*time.Second, time.Second, 0.1)},
		{"WithBackoff negative jitter", loops.WithBackoff(time.Second, 2*time.Second, -0.1)},
		{"WithBackoff jitter above 1", loops.WithBackoff(time.Second, 2*time.Second, 1.5)},
		{"WithBackoff NaN jitter", loops.WithBackoff(time.Second, 2*time.Second, math.NaN())},
		{"WithRateLimit(0)", loops.WithRateLimit(0)},
		{"WithRateLimit(-1)", loops.WithRateLimit(-1)},
		{"WithRateLimit(NaN)", loops.WithRateLimit(math.NaN())},
		{"WithBaseURL ftp", loops.WithBaseURL("ftp://x")},
		{"WithBaseURL with a query", loops.WithBaseURL("http://h/api?x=1")},
		{"WithBaseURL with a fragment", loops.WithBaseURL("http://h/api#top")},
		{"WithBaseURL with user info", loops.WithBaseURL("http://user:pw@h/api")},
		{"WithBaseURL relative", loops.WithBaseURL("/api")},
		{"WithBaseURL without host", loops.WithBaseURL("http:///api")},
		{"WithBaseURL empty", loops.WithBaseURL("")},
		{"WithUserAgent empty", loops.WithUserAgent("")},
		{"WithUserAgent with newline", loops.WithUserAgent("me\r\nX-Evil: 1")},
		{"WithHTTPClient(nil)", loops.WithHTTPClient(nil)},
		{"WithAttemptTimeout(-1)", loops.WithAttemptTimeout(-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loops.NewClient("key", tt.opt)
			if err == nil || c != nil {
				t.Fatalf("NewClient accepted %s: (%v, %v)", tt.name, c, err)
			}
			if !strings.HasPrefix(err.Error(), "loops: ") {
				t.Errorf("error %q does not say it comes from loops", err)
			}
		})
	}
	// And the valid edges are accepted.
	for name, opt := range map[string]loops.Option{
		"WithMaxRetries(0)":       loops.WithMaxRetries(0),
		"WithBackoff base == max": loops.WithBackoff(time.Second, time.Second, 0),
		"WithBackoff jitter 1":    loops.WithBackoff(time.Second, time.Second, 1),
		"WithAttemptTimeout(0)":   loops.WithAttemptTimeout(0),
		"WithLimiter(nil)":        loops.WithLimiter(nil),
		"WithBaseURL https":       loops.WithBaseURL("https://example.test/api"),
	} {
		if _, err := loops.NewClient("key", opt); err != nil {
			t.Errorf("%s refused: %v", name, err)
		}
	}
}

func TestUserAgent(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	if _, err := c.MailingLists.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := srv.Requests()[0].Header.Get("User-Agent"), "loops-go/"+loops.Version; got != want {
		t.Errorf("default User-Agent = %q, want %q", got, want)
	}

	c = newClient(t, srv, loops.WithUserAgent("acme-billing/2.1"))
	if _, err := c.MailingLists.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests()[1].Header.Get("User-Agent"); got != "acme-billing/2.1" {
		t.Errorf("User-Agent = %q, want the one set with WithUserAgent", got)
	}
}

// headerRecorder is an httptest server that records each request's
// headers and answers 200 with body.
func headerRecorder(t *testing.T, body string) (*httptest.Server, func() []http.Header) {
	t.Helper()
	var mu sync.Mutex
	var got []http.Header
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(ts.Close)
	return ts, func() []http.Header {
		mu.Lock()
		defer mu.Unlock()
		return append([]http.Header(nil), got...)
	}
}

func TestAuthorizationHeader(t *testing.T) {
	ts, headers := headerRecorder(t, `[]`)
	c, err := loops.NewClient("my-key-123", loops.WithBaseURL(ts.URL+"/api"), loops.WithoutRateLimit())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.MailingLists.List(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "GET", "/v1/lists", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Raw().ListMailingLists(ctx); err != nil {
		t.Fatal(err)
	}
	h := headers()
	if len(h) != 3 {
		t.Fatalf("got %d requests, want 3", len(h))
	}
	for i, hdr := range h {
		if got := hdr.Values("Authorization"); len(got) != 1 || got[0] != "Bearer my-key-123" {
			t.Errorf("request %d: Authorization = %q, want exactly [\"Bearer my-key-123\"]", i, got)
		}
		if got := hdr.Get("Accept"); got != "application/json" {
			t.Errorf("request %d: Accept = %q, want application/json", i, got)
		}
	}
}

// exerciseBase runs a read with a query, a keyed send, a write and a
// failing call through a client, and checks what the fake saw.
func exerciseBase(t *testing.T, c *loops.Client, srv *loopstest.Server) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada@example.com"}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if found, err := c.Contacts.Find(ctx, loops.ByEmail("ada@example.com")); err != nil || found.Email != "ada@example.com" {
		t.Fatalf("Find = (%v, %v)", found, err)
	}
	var info loops.ResponseInfo
	if err := c.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"}, loops.WithResponseInfo(&info)); err != nil {
		t.Fatalf("Events.Send: %v", err)
	}
	if info.IdempotencyKey == "" {
		t.Error("Events.Send carried no generated Idempotency-Key: the keyed route was not recognised under this base URL")
	}
	events := srv.Events()
	if len(events) != 1 || events[0].IdempotencyKey != info.IdempotencyKey {
		t.Errorf("events = %+v, want one with key %q", events, info.IdempotencyKey)
	}
	var lists []loops.MailingList
	if err := c.Do(ctx, "GET", "/v1/lists", nil, &lists); err != nil || len(lists) != 2 {
		t.Errorf("Do GET /v1/lists = (%v, %v)", lists, err)
	}
	err := c.Contacts.Delete(ctx, loops.ByEmail("nobody@example.com"))
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("want a 404 *APIError, got %v", err)
	}
	if apiErr.Route != "/v1/contacts/delete" || apiErr.Method != "POST" {
		t.Errorf("APIError names %s %s, want POST /v1/contacts/delete", apiErr.Method, apiErr.Route)
	}
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			t.Errorf("the fake got path %q, want /api/v1/...", r.Path)
		}
		if r.Status >= 500 {
			t.Errorf("%s answered %d", r.Route, r.Status)
		}
	}
}

func TestBaseURLWithTrailingSlash(t *testing.T) {
	srv := loopstest.NewServer(t)
	c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()+"/"), loops.WithoutRateLimit())
	if err != nil {
		t.Fatal(err)
	}
	exerciseBase(t, c, srv)
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "//") {
			t.Errorf("double slash in %q", r.Path)
		}
	}
}

func TestBaseURLWithAnotherPathPrefix(t *testing.T) {
	for _, base := range []string{"/prefix/api", "/prefix/api/", "/a/b/c/api"} {
		t.Run(base, func(t *testing.T) {
			srv := loopstest.NewServer(t, loopstest.WithoutListener())
			mount := strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/api")
			var mu sync.Mutex
			var stray []string
			mux := http.NewServeMux()
			mux.Handle(mount+"/api/", http.StripPrefix(mount, srv.Handler()))
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				stray = append(stray, r.Method+" "+r.URL.Path)
				mu.Unlock()
				http.Error(w, "outside the prefix", http.StatusTeapot)
			})
			ts := httptest.NewServer(mux)
			defer ts.Close()
			c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(ts.URL+base), loops.WithoutRateLimit())
			if err != nil {
				t.Fatal(err)
			}
			exerciseBase(t, c, srv)
			mu.Lock()
			defer mu.Unlock()
			if len(stray) > 0 {
				t.Errorf("requests escaped the base URL's path: %v", stray)
			}
		})
	}
}

func TestBaseURLWithoutPath(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithoutListener())
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/api" + r.URL.Path
		r.URL.RawPath = ""
		srv.Handler().ServeHTTP(w, r)
	}))
	defer ts.Close()
	c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(ts.URL), loops.WithoutRateLimit())
	if err != nil {
		t.Fatal(err)
	}
	exerciseBase(t, c, srv)
}

func TestRawClient(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	srv.Inject("POST /v1/events/send", loopstest.Status(503))

	resp, err := c.Raw().SendEvent(ctx, nil, loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"})
	if err != nil {
		t.Fatal(err)
	}
	var sent loops.SuccessResponse
	if status := decodeRaw(t, resp, &sent); status != 200 || !sent.Success {
		t.Fatalf("raw send: status %d, answer %+v", status, sent)
	}
	reqs := srv.Requests()
	if n := srv.RequestCount("POST /v1/events/send"); n != 2 || len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2 (the 503 is retried)", n)
	}
	for i, r := range reqs {
		if r.Header.Get("Authorization") == "" {
			t.Errorf("request %d carried no Authorization header", i)
		}
		if ua := r.Header.Get("User-Agent"); ua != loops.DefaultUserAgent {
			t.Errorf("request %d: User-Agent %q, want %q", i, ua, loops.DefaultUserAgent)
		}
	}
	if reqs[1].Status != 200 {
		t.Errorf("the retry was answered %d; the fake did not accept the key", reqs[1].Status)
	}
	key := reqs[0].Header.Get("Idempotency-Key")
	if key == "" || reqs[1].Header.Get("Idempotency-Key") != key {
		t.Errorf("Idempotency-Key %q then %q; want one generated key on both attempts", key, reqs[1].Header.Get("Idempotency-Key"))
	}
	if ev := srv.Events(); len(ev) != 1 || ev[0].IdempotencyKey != key {
		t.Errorf("events = %+v, want one under key %q", ev, key)
	}

	// A key the caller sets in the raw params is used as is.
	own := "raw-own-key-1"
	resp, err = c.Raw().SendEvent(ctx, &gen.SendEventParams{IdempotencyKey: &own}, loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"})
	if err != nil {
		t.Fatal(err)
	}
	if status := decodeRaw(t, resp, &sent); status != 200 {
		t.Fatalf("raw send with own key: status %d", status)
	}
	if n := srv.IdempotencyCount(own); n != 1 {
		t.Errorf("IdempotencyCount(%q) = %d, want 1", own, n)
	}

	// Raw reads are retried too.
	srv.Inject("GET /v1/lists", loopstest.Status(503))
	resp, err = c.Raw().ListMailingLists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lists []loops.MailingList
	if status := decodeRaw(t, resp, &lists); status != 200 || len(lists) != 2 {
		t.Fatalf("raw list: status %d, %d lists", status, len(lists))
	}
	if n := srv.RequestCount("GET /v1/lists"); n != 2 {
		t.Errorf("GET /v1/lists requests = %d, want 2", n)
	}
}

// decodeRaw decodes the JSON answer of a Raw() call into out, closes the
// body and returns the status.
func decodeRaw(t *testing.T, resp *http.Response, out any) int {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("decoding the %d answer: %v", resp.StatusCode, err)
	}
	return resp.StatusCode
}

func TestDo(t *testing.T) {
	ctx := context.Background()
	t.Run("GET decodes", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		var out []loops.MailingList
		if err := c.Do(ctx, "GET", "/v1/lists", nil, &out); err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 || out[0].ID != "cm06f5v0e45nf0ml5754o9cix" || out[1].Name != "Newsletter" {
			t.Errorf("decoded %+v", out)
		}
	})
	t.Run("GET with a query", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		if _, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada@example.com"}); err != nil {
			t.Fatal(err)
		}
		var out []loops.Contact
		if err := c.Do(ctx, "GET", "/v1/contacts/find?email=ada%40example.com", nil, &out); err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].Email != "ada@example.com" {
			t.Errorf("decoded %+v", out)
		}
	})
	t.Run("POST sends JSON", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		var out loops.ContactSuccessResponse
		body := map[string]any{"email": "grace@example.com", "firstName": "Grace", "planName": "pro"}
		if err := c.Do(ctx, "POST", "/v1/contacts/create", body, &out); err != nil {
			t.Fatal(err)
		}
		if !out.Success || out.ID == "" {
			t.Errorf("decoded %+v", out)
		}
		ct, ok := srv.Contact("grace@example.com")
		if !ok {
			t.Fatalf("the contact was not created; contacts: %+v", srv.Contacts())
		}
		if ct.ID != out.ID || ct.FirstName == nil || *ct.FirstName != "Grace" || ct.AdditionalProperties["planName"] != "pro" {
			t.Errorf("stored contact %+v", ct)
		}
		r := srv.Requests()[0]
		if ctype := r.Header.Get("Content-Type"); ctype != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ctype)
		}
		var sent map[string]any
		if err := json.Unmarshal(r.Body, &sent); err != nil || sent["email"] != "grace@example.com" {
			t.Errorf("body %s (%v)", r.Body, err)
		}
	})
	t.Run("keyed route through Do gets a key", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		var info loops.ResponseInfo
		err := c.Do(ctx, "POST", "/v1/events/send", map[string]any{"email": "ada@example.com", "eventName": "signup"}, nil, loops.WithResponseInfo(&info))
		if err != nil {
			t.Fatal(err)
		}
		if got := srv.Requests()[0].Header.Get("Idempotency-Key"); got == "" || got != info.IdempotencyKey {
			t.Errorf("Idempotency-Key = %q, info says %q", got, info.IdempotencyKey)
		}
	})
	t.Run("unknown route is an APIError without the query", func(t *testing.T) {
		srv := loopstest.New() // the unknown path is a contract violation: keep it out of t.Errorf
		defer srv.Close()
		c := newClient(t, srv)
		err := c.Do(ctx, "GET", "/v1/nope?email=grace%40example.com&x=1", nil, nil)
		var apiErr *loops.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("want *APIError, got %T %v", err, err)
		}
		if apiErr.StatusCode != 404 || !errors.Is(err, loops.ErrNotFound) {
			t.Errorf("status %d, want 404", apiErr.StatusCode)
		}
		if apiErr.Method != "GET" || apiErr.Route != "/v1/nope" {
			t.Errorf("APIError names %q %q, want GET /v1/nope", apiErr.Method, apiErr.Route)
		}
		for _, leak := range []string{"?", "email", "grace", "x=1"} {
			if strings.Contains(err.Error(), leak) {
				t.Errorf("error text carries the query (%q): %v", leak, err)
			}
		}
		if !strings.Contains(err.Error(), "/v1/nope") {
			t.Errorf("error text does not name the route: %v", err)
		}
		if v := srv.Violations(); len(v) != 1 {
			t.Errorf("violations = %q, want the one unknown path", v)
		}
	})
}

func TestResponseInfo(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)

	srv.Inject("GET /v1/lists", loopstest.Status(503))
	var info loops.ResponseInfo
	if _, err := c.MailingLists.List(ctx, loops.WithResponseInfo(&info)); err != nil {
		t.Fatal(err)
	}
	if info.StatusCode != 200 || info.Attempts != 2 {
		t.Errorf("status %d attempts %d, want 200 after 2 attempts", info.StatusCode, info.Attempts)
	}
	if !info.RateLimit.Present || info.RateLimit.Limit != 10 || info.RateLimit.Remaining < 0 || info.RateLimit.Remaining > 10 {
		t.Errorf("RateLimit = %+v, want Present, Limit 10, Remaining in 0..10", info.RateLimit)
	}
	if info.Header.Get("X-Ratelimit-Limit") != "10" {
		t.Errorf("Header lacks x-ratelimit-limit: %v", info.Header)
	}
	var lists []map[string]any
	if err := json.Unmarshal(info.Body, &lists); err != nil || len(lists) != 2 {
		t.Errorf("Body %q is not the raw list (%v)", info.Body, err)
	}
	if info.IdempotencyKey != "" || info.Deduplicated {
		t.Errorf("a non-send call reports key %q, deduplicated %v", info.IdempotencyKey, info.Deduplicated)
	}

	info = loops.ResponseInfo{}
	if err := c.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"}, loops.WithResponseInfo(&info)); err != nil {
		t.Fatal(err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if info.IdempotencyKey == "" || info.IdempotencyKey != last.Header.Get("Idempotency-Key") {
		t.Errorf("info key %q, sent %q", info.IdempotencyKey, last.Header.Get("Idempotency-Key"))
	}
	if info.Attempts != 1 || info.StatusCode != 200 || string(info.Body) != `{"success":true}` {
		t.Errorf("info = %+v", info)
	}

	info = loops.ResponseInfo{}
	if err := c.Transactional.Send(ctx, &loops.TransactionalRequest{TransactionalID: "nope", Email: "ada@example.com"},
		loops.WithIdempotencyKey("tx-own-1"), loops.WithResponseInfo(&info)); !errors.Is(err, loops.ErrNotFound) {
		t.Fatalf("want ErrNotFound for an unknown template, got %v", err)
	}
	if info.StatusCode != 404 || info.IdempotencyKey != "tx-own-1" || info.Attempts != 1 || len(info.Body) == 0 {
		t.Errorf("info on failure = %+v; want status 404, the caller's key, 1 attempt, the body", info)
	}

	info = loops.ResponseInfo{}
	if _, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada2@example.com"}, loops.WithResponseInfo(&info)); err != nil {
		t.Fatal(err)
	}
	if info.IdempotencyKey != "" || info.StatusCode != 200 {
		t.Errorf("Contacts.Create info: key %q status %d; want no key", info.IdempotencyKey, info.StatusCode)
	}
}

// countingLimiter counts Wait calls around an unlimited token bucket.
type countingLimiter struct {
	inner *rate.Limiter
	calls atomic.Int64
}

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.calls.Add(1)
	return l.inner.Wait(ctx)
}

func TestSharedLimiter(t *testing.T) {
	srv := loopstest.NewServer(t)
	lim := &countingLimiter{inner: rate.NewLimiter(rate.Inf, 1)}
	a := newClient(t, srv, loops.WithLimiter(lim))
	b := newClient(t, srv, loops.WithLimiter(lim))
	ctx := context.Background()
	if _, err := a.MailingLists.List(ctx); err != nil {
		t.Fatal(err)
	}
	if n := lim.calls.Load(); n != 1 {
		t.Fatalf("after client A's call the limiter saw %d waits, want 1", n)
	}
	if _, err := b.Account.TestAPIKey(ctx); err != nil {
		t.Fatal(err)
	}
	if n := lim.calls.Load(); n != 2 {
		t.Fatalf("after client B's call the limiter saw %d waits, want 2", n)
	}
	// Every attempt waits, retries included.
	srv.Inject("GET /v1/lists", loopstest.Status(503))
	if _, err := b.MailingLists.List(ctx); err != nil {
		t.Fatal(err)
	}
	if n := lim.calls.Load(); n != 4 {
		t.Errorf("after a retried call the limiter saw %d waits, want 4", n)
	}
}

// A limiter that refuses stops the call before anything is sent, and the
// error says why.
func TestLimiterErrorStopsTheCall(t *testing.T) {
	srv := loopstest.NewServer(t)
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	lim.Allow() // spend the only token: the next one is an hour away
	c := newClient(t, srv, loops.WithLimiter(lim))
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.MailingLists.List(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want an error matching context.DeadlineExceeded, got %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d request(s) sent past the limiter", n)
	}
}

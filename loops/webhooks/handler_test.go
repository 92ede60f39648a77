package webhooks_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops/webhooks"
)

// recorder is an event function that counts and keeps its events.
type recorder struct {
	calls  atomic.Int32
	events []webhooks.Event
	ids    []string
	err    error // returned by every call
}

func (rec *recorder) handle(ctx context.Context, ev webhooks.Event) error {
	rec.calls.Add(1)
	rec.events = append(rec.events, ev)
	rec.ids = append(rec.ids, webhooks.MessageID(ctx))
	return rec.err
}

func newHandler(t *testing.T, fn func(context.Context, webhooks.Event) error, opts ...webhooks.Option) *webhooks.Handler {
	t.Helper()
	h, err := webhooks.NewHandler(testSecret, fn, append([]webhooks.Option{webhooks.WithClock(func() time.Time { return signedAt })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// post builds a delivery request with the given headers and body.
func post(header http.Header, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/loops", bytes.NewReader(body))
	for k, v := range header {
		r.Header[k] = v
	}
	return r
}

func serve(h http.Handler, r *http.Request) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func TestHandlerStatuses(t *testing.T) {
	body := typicalContactCreated
	signed := func(b []byte) http.Header { return referenceHeaders(t, testSecret, "msg_1", signedAt, b) }
	changed := bytes.Clone(body)
	changed[20] ^= 1
	wrongSig := signed(body)
	wrongSig.Set(webhooks.HeaderSignature, signed(changed).Get(webhooks.HeaderSignature))
	noID := signed(body)
	noID.Del(webhooks.HeaderID)
	big := append(bytes.Clone(body[:len(body)-1]), []byte(`,"pad":"`+strings.Repeat("x", 1<<20)+`"}`)...)
	cases := []struct {
		name   string
		req    func() *http.Request
		status int
		called bool
	}{
		{"a valid delivery", func() *http.Request { return post(signed(body), body) }, http.StatusNoContent, true},
		{"a wrong signature", func() *http.Request { return post(wrongSig, body) }, http.StatusUnauthorized, false},
		{"a missing header", func() *http.Request { return post(noID, body) }, http.StatusUnauthorized, false},
		{"no headers at all", func() *http.Request { return post(http.Header{}, body) }, http.StatusUnauthorized, false},
		{"a timestamp too old", func() *http.Request {
			return post(referenceHeaders(t, testSecret, "msg_1", signedAt.Add(-time.Hour), body), body)
		}, http.StatusUnauthorized, false},
		{"a timestamp in the future", func() *http.Request {
			return post(referenceHeaders(t, testSecret, "msg_1", signedAt.Add(time.Hour), body), body)
		}, http.StatusUnauthorized, false},
		{"a body changed by one byte", func() *http.Request { return post(signed(body), changed) }, http.StatusUnauthorized, false},
		{"a signature for another secret", func() *http.Request {
			return post(referenceHeaders(t, "whsec_b3RoZXI=", "msg_1", signedAt, body), body)
		}, http.StatusUnauthorized, false},
		{"an empty body, unsigned", func() *http.Request { return post(signed(body), nil) }, http.StatusUnauthorized, false},
		{"an empty body, signed", func() *http.Request { return post(signed(nil), nil) }, http.StatusBadRequest, false},
		{"a signed non-JSON body", func() *http.Request { return post(signed([]byte("hello")), []byte("hello")) }, http.StatusBadRequest, false},
		{"a signed body of the wrong shape", func() *http.Request {
			b := []byte(`{"eventName":"contact.created","eventTime":"now"}`)
			return post(signed(b), b)
		}, http.StatusBadRequest, false},
		{"an oversized body", func() *http.Request { return post(signed(big), big) }, http.StatusRequestEntityTooLarge, false},
		{"an oversized body without a length", func() *http.Request {
			r := post(signed(big), nil)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(big)), -1
			return r
		}, http.StatusRequestEntityTooLarge, false},
		{"a GET", func() *http.Request {
			r := post(signed(body), body)
			r.Method = http.MethodGet
			return r
		}, http.StatusMethodNotAllowed, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			if got := serve(newHandler(t, rec.handle), tc.req()); got != tc.status {
				t.Errorf("status %d, want %d", got, tc.status)
			}
			if called := rec.calls.Load() > 0; called != tc.called {
				t.Errorf("user code called: %v, want %v", called, tc.called)
			}
		})
	}
	t.Run("a body just under a small cap", func(t *testing.T) {
		var rec recorder
		h := newHandler(t, rec.handle, webhooks.WithMaxBodySize(int64(len(body))))
		if got := serve(h, post(signed(body), body)); got != http.StatusNoContent {
			t.Errorf("status %d", got)
		}
		h = newHandler(t, rec.handle, webhooks.WithMaxBodySize(int64(len(body)-1)))
		if got := serve(h, post(signed(body), body)); got != http.StatusRequestEntityTooLarge {
			t.Errorf("one byte over: status %d", got)
		}
	})
	t.Run("the function fails", func(t *testing.T) {
		rec := recorder{err: errors.New("database down")}
		if got := serve(newHandler(t, rec.handle), post(signed(body), body)); got != http.StatusInternalServerError {
			t.Errorf("status %d, want 500", got)
		}
	})
}

func TestHandlerPassesTheEvent(t *testing.T) {
	var rec recorder
	h := newHandler(t, rec.handle)
	if got := serve(h, post(referenceHeaders(t, testSecret, "msg_42", signedAt, typicalContactCreated), typicalContactCreated)); got != http.StatusNoContent {
		t.Fatalf("status %d", got)
	}
	ev, ok := rec.events[0].(*webhooks.ContactCreated)
	if !ok || ev.Contact.Email != "alex@company.com" || rec.ids[0] != "msg_42" {
		t.Errorf("got %T %+v, id %q", rec.events[0], rec.events[0], rec.ids[0])
	}
	if webhooks.MessageID(context.Background()) != "" {
		t.Error("MessageID of a plain context")
	}
}

func TestHandlerReplayGuard(t *testing.T) {
	body := typicalContactCreated
	delivery := func(id string) *http.Request {
		return post(referenceHeaders(t, testSecret, id, signedAt, body), body)
	}
	t.Run("a redelivery calls user code once", func(t *testing.T) {
		var rec recorder
		h := newHandler(t, rec.handle)
		for i, want := range []int{http.StatusNoContent, http.StatusOK, http.StatusOK} {
			if got := serve(h, delivery("msg_1")); got != want {
				t.Errorf("delivery %d: status %d, want %d", i+1, got, want)
			}
		}
		if got := serve(h, delivery("msg_2")); got != http.StatusNoContent || rec.calls.Load() != 2 {
			t.Errorf("another message: status %d, %d calls", got, rec.calls.Load())
		}
	})
	t.Run("a failed delivery is handled again", func(t *testing.T) {
		rec := recorder{err: errors.New("try later")}
		h := newHandler(t, rec.handle)
		if got := serve(h, delivery("msg_1")); got != http.StatusInternalServerError {
			t.Fatalf("status %d", got)
		}
		rec.err = nil
		if got := serve(h, delivery("msg_1")); got != http.StatusNoContent || rec.calls.Load() != 2 {
			t.Errorf("redelivery: status %d, %d calls", got, rec.calls.Load())
		}
		if got := serve(h, delivery("msg_1")); got != http.StatusOK || rec.calls.Load() != 2 {
			t.Errorf("third delivery: status %d, %d calls", got, rec.calls.Load())
		}
	})
	t.Run("a panic releases the id", func(t *testing.T) {
		calls := 0
		h := newHandler(t, func(context.Context, webhooks.Event) error {
			if calls++; calls == 1 {
				panic("boom")
			}
			return nil
		})
		func() {
			defer func() { _ = recover() }()
			serve(h, delivery("msg_1"))
		}()
		if got := serve(h, delivery("msg_1")); got != http.StatusNoContent || calls != 2 {
			t.Errorf("after a panic: status %d, %d calls", got, calls)
		}
	})
	t.Run("an unverified request never reaches the store", func(t *testing.T) {
		var rec recorder
		h := newHandler(t, rec.handle)
		forged := delivery("msg_1")
		forged.Header.Set(webhooks.HeaderSignature, "v1,"+strings.Repeat("A", 43)+"=")
		serve(h, forged)
		if got := serve(h, delivery("msg_1")); got != http.StatusNoContent {
			t.Errorf("the real delivery after a forged one with its id: status %d", got)
		}
	})
	t.Run("a store that fails", func(t *testing.T) {
		var rec recorder
		h := newHandler(t, rec.handle, webhooks.WithReplayStore(failingStore{}))
		if got := serve(h, delivery("msg_1")); got != http.StatusInternalServerError || rec.calls.Load() != 0 {
			t.Errorf("status %d, %d calls", got, rec.calls.Load())
		}
	})
	t.Run("a store that returns no state", func(t *testing.T) {
		var rec recorder
		h := newHandler(t, rec.handle, webhooks.WithReplayStore(zeroStateStore{}))
		if got := serve(h, delivery("msg_1")); got != http.StatusInternalServerError || rec.calls.Load() != 0 {
			t.Errorf("status %d, %d calls", got, rec.calls.Load())
		}
	})
	t.Run("the guard turned off", func(t *testing.T) {
		var rec recorder
		h := newHandler(t, rec.handle, webhooks.WithReplayStore(nil))
		serve(h, delivery("msg_1"))
		serve(h, delivery("msg_1"))
		if rec.calls.Load() != 2 {
			t.Errorf("%d calls, want 2", rec.calls.Load())
		}
	})
	t.Run("ids are forgotten after the TTL of the default store", func(t *testing.T) {
		var rec recorder
		now := signedAt
		h, err := webhooks.NewHandler(testSecret, rec.handle, webhooks.WithClock(func() time.Time { return now }), webhooks.WithTolerance(0))
		if err != nil {
			t.Fatal(err)
		}
		serve(h, delivery("msg_1"))
		now = now.Add(webhooks.DefaultReplayTTL - time.Second)
		serve(h, delivery("msg_1"))
		now = now.Add(2 * time.Second)
		serve(h, delivery("msg_1"))
		if rec.calls.Load() != 2 {
			t.Errorf("%d calls, want 2 (the first, and the one after the TTL)", rec.calls.Load())
		}
	})
}

type failingStore struct{}

func (failingStore) Claim(context.Context, string) (webhooks.ClaimState, error) {
	return 0, errors.New("store down")
}
func (failingStore) Complete(context.Context, string) error { return errors.New("store down") }
func (failingStore) Release(context.Context, string) error  { return errors.New("store down") }

func TestMemoryStore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		m := webhooks.NewMemoryStore(2, time.Minute)
		claim := func(id string) webhooks.ClaimState {
			state, err := m.Claim(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return state
		}
		const claimed, inProgress, completed = webhooks.Claimed, webhooks.InProgress, webhooks.Completed
		if claim("a") != claimed || claim("a") != inProgress || claim("b") != claimed {
			t.Fatal("first claims")
		}
		_ = m.Complete(ctx, "a")
		if got := claim("a"); got != completed { // a is now the most recently seen
			t.Fatalf("a completed id: %v", got)
		}
		if claim("c") != claimed { // full: b goes
			t.Fatal("c")
		}
		if claim("a") != completed || claim("b") != claimed {
			t.Error("the least recently seen id should have gone first")
		}
		_ = m.Release(ctx, "b")
		if got := claim("b"); got != claimed {
			t.Errorf("a released id is new again, got %v", got)
		}
		_ = m.Complete(ctx, "z") // pushed out while in progress: recorded again
		if got := claim("z"); got != completed {
			t.Errorf("completing an id the store lost: %v", got)
		}
		time.Sleep(time.Minute) // fake time, inside the bubble
		if claim("b") != claimed || claim("z") != claimed {
			t.Error("an id past its TTL is new again")
		}
	})
}

// A store that returns no ClaimState is a store failure, not a new id.
type zeroStateStore struct{ failingStore }

func (zeroStateStore) Claim(context.Context, string) (webhooks.ClaimState, error) { return 0, nil }

func TestHandlerLogsNoSecretNorBody(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	body := typicalContactCreated
	fail := false
	h := newHandler(t, func(context.Context, webhooks.Event) error {
		if fail {
			return errors.New("downstream refused")
		}
		return nil
	}, webhooks.WithLogger(logger))
	serve(h, post(referenceHeaders(t, testSecret, "msg_ok", signedAt, body), body))
	serve(h, post(referenceHeaders(t, testSecret, "msg_ok", signedAt, body), body))
	serve(h, post(referenceHeaders(t, "whsec_b3RoZXI=", "msg_bad", signedAt, body), body))
	bad := []byte(`{"eventName":"contact.created","contact":{"email":"secret-person@example.com","seats":"x"},"eventTime":"x"}`)
	serve(h, post(referenceHeaders(t, testSecret, "msg_shape", signedAt, bad), bad))
	fail = true
	serve(h, post(referenceHeaders(t, testSecret, "msg_fail", signedAt, body), body))
	out := logs.String()
	for _, want := range []string{"msg_ok", "duplicate", `"status":401`, "no signature matches", "msg_shape", `"status":400`, "downstream refused", `"status":500`, "contact.created"} {
		if !strings.Contains(out, want) {
			t.Errorf("the logs lack %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{testSecret, strings.TrimPrefix(testSecret, "whsec_"), "alex@company.com", "planName", "secret-person", "usr_7f8e9d0c1b2a"} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs show %q:\n%s", secret, out)
		}
	}
}

// Loops redelivers a message whose first delivery is still running (a
// handler slower than its delivery timeout). That duplicate must not get
// a 2xx: if the first run then fails, the redelivery is the only way the
// message can still arrive. Deterministic: the first run waits on a
// channel until the duplicate has been answered.
func TestHandlerDuplicateOfADeliveryInProgress(t *testing.T) {
	body := typicalContactCreated
	delivery := func() *http.Request {
		return post(referenceHeaders(t, testSecret, "msg_1", signedAt, body), body)
	}
	var logs bytes.Buffer
	started, finish := make(chan struct{}), make(chan error)
	var calls atomic.Int32
	h := newHandler(t, func(context.Context, webhooks.Event) error {
		if calls.Add(1) == 1 {
			close(started)
			return <-finish // the first run ends as the test says
		}
		return nil
	}, webhooks.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))

	first := make(chan int)
	go func() { first <- serve(h, delivery()) }()
	<-started
	if got := serve(h, delivery()); got < 400 || got >= 600 {
		t.Fatalf("a duplicate of a delivery in progress: status %d, want 409 or 503 (Loops must deliver it again)", got)
	}
	if !strings.Contains(logs.String(), "in progress") {
		t.Errorf("the refusal's reason is not logged:\n%s", logs.String())
	}
	finish <- errors.New("downstream down")
	if got := <-first; got != http.StatusInternalServerError {
		t.Fatalf("the failing first run: status %d, want 500", got)
	}
	if got := serve(h, delivery()); got != http.StatusNoContent || calls.Load() != 2 {
		t.Fatalf("the redelivery after the failure: status %d after %d calls; want 204 from a second call", got, calls.Load())
	}
	if got := serve(h, delivery()); got != http.StatusOK || calls.Load() != 2 {
		t.Errorf("a delivery after the success: status %d after %d calls; want 200, not called", got, calls.Load())
	}
}

// A body that never completes is answered 408 once the read timeout
// passes, under a real net/http server (the read deadline is a socket's;
// real time is what this tests, with a short bound).
func TestHandlerBoundsTheBodyRead(t *testing.T) {
	var rec recorder
	h := newHandler(t, rec.handle, webhooks.WithReadTimeout(50*time.Millisecond))
	srv := httptest.NewServer(h)
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	headers := referenceHeaders(t, testSecret, "msg_slow", signedAt, typicalContactCreated)
	var req strings.Builder
	fmt.Fprintf(&req, "POST /webhooks/loops HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", len(typicalContactCreated))
	for k := range headers {
		fmt.Fprintf(&req, "%s: %s\r\n", k, headers.Get(k))
	}
	req.WriteString("\r\n")
	req.Write(typicalContactCreated[:10]) // and never the rest
	if _, err := io.WriteString(conn, req.String()); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // fail, not hang, without the bound
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a body that never completes: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || rec.calls.Load() != 0 {
		t.Errorf("status %d, %d calls; want 408 and no call", resp.StatusCode, rec.calls.Load())
	}
}

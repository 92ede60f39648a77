package loopstest_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops/loopstest"
)

const sendEvent = "POST /v1/events/send"

var event = map[string]any{"email": "f@example.com", "eventName": "faulty"}

func TestInjectScriptsAttempts(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	srv.Inject(sendEvent, loopstest.Status(500), nil, loopstest.Pass(), loopstest.Status(503))

	var statuses []int
	for range 5 {
		statuses = append(statuses, c.do("POST", "/v1/events/send", event).status)
	}
	if want := []int{500, 200, 200, 503, 200}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	if n := len(srv.Events()); n != 3 {
		t.Errorf("%d events processed, want 3", n)
	}
	var faults []string
	for _, r := range srv.Requests() {
		faults = append(faults, r.Fault)
	}
	if got := strings.Join(faults, ","); got != "status(500),,,status(503)," {
		t.Errorf("faults %q", got)
	}
	if srv.RequestCount(sendEvent) != 5 || srv.RequestCount("post /api/v1/events/send") != 5 {
		t.Error("RequestCount")
	}
}

func TestStatusFault(t *testing.T) {
	srv := loopstest.NewServer(t)
	srv.Inject(sendEvent, loopstest.Status(503))
	res := newClient(t, srv).do("POST", "/v1/events/send", event).want(t, http.StatusServiceUnavailable)
	if res.header.Get("Content-Type") != "application/json" || res.header.Get("x-ratelimit-limit") == "" {
		t.Errorf("headers %v", res.header)
	}
	if m := res.object(t); m["success"] != false || m["message"] != "Service Unavailable" {
		t.Errorf("body %s", res.body)
	}
	if len(srv.Events()) != 0 {
		t.Error("a failed request was processed")
	}
}

func TestHTMLStatusFault(t *testing.T) {
	srv := loopstest.NewServer(t)
	srv.Inject(sendEvent, loopstest.HTMLStatus(502))
	res := newClient(t, srv).do("POST", "/v1/events/send", event).want(t, http.StatusBadGateway)
	if !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || !strings.Contains(string(res.body), "502 Bad Gateway") {
		t.Errorf("answer %v %s", res.header, res.body)
	}
	if len(srv.Events()) != 0 {
		t.Error("processed")
	}
}

func TestRateLimitedFaults(t *testing.T) {
	srv := loopstest.NewServer(t)
	srv.Inject(sendEvent, loopstest.RateLimited(), loopstest.RetryAfter(1500*time.Millisecond))
	c := newClient(t, srv)

	res := c.do("POST", "/v1/events/send", event).want(t, http.StatusTooManyRequests)
	if res.header.Get("x-ratelimit-limit") != "10" || res.header.Get("x-ratelimit-remaining") != "0" ||
		res.header.Get("Retry-After") != "" || res.message(t) != "Rate limit exceeded" {
		t.Errorf("RateLimited: %v %s", res.header, res.body)
	}
	res = c.do("POST", "/v1/events/send", event).want(t, http.StatusTooManyRequests)
	if res.header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q", res.header.Get("Retry-After"))
	}
	if len(srv.Events()) != 0 {
		t.Error("processed")
	}
}

func TestDropConnectionFault(t *testing.T) {
	srv := loopstest.NewServer(t)
	srv.Inject(sendEvent, loopstest.DropConnection())
	_, err := newClient(t, srv).try(t.Context(), "POST", "/v1/events/send", event)
	if err == nil {
		t.Fatal("no error from a dropped connection")
	}
	if len(srv.Events()) != 0 {
		t.Error("processed")
	}
	if r := srv.Requests()[0]; r.Status != 0 || r.Fault != "drop" {
		t.Errorf("journal %+v", r)
	}
}

// TestProcessThenDrop is the duplicate-email scenario: the work is done, the
// client sees a broken connection, and its retry with the same key is
// refused instead of doing the work again.
func TestProcessThenDrop(t *testing.T) {
	srv := loopstest.NewServer(t)
	srv.Inject(sendEvent, loopstest.ProcessThenDrop())
	c := newClient(t, srv)

	_, err := c.try(t.Context(), "POST", "/v1/events/send", event, "Idempotency-Key", "evt-1")
	if err == nil {
		t.Fatal("the client saw an answer")
	}
	if n := len(srv.Events()); n != 1 {
		t.Fatalf("%d events recorded, want 1 despite the dropped connection", n)
	}
	c.do("POST", "/v1/events/send", event, "Idempotency-Key", "evt-1").want(t, http.StatusConflict)
	if n := srv.IdempotencyCount("evt-1"); n != 1 || len(srv.Events()) != 1 {
		t.Errorf("processed %d times", n)
	}
	if r := srv.Requests()[0]; r.Status != 0 || r.Fault != "process-then-drop" {
		t.Errorf("journal %+v", r)
	}
}

// TestNetHTTPResendsOnAReusedConnection documents a net/http behaviour the
// fake exposes faithfully: a request carrying an Idempotency-Key that loses
// a reused keep-alive connection before any answer is resent once by
// http.Transport itself, and after ProcessThenDrop that resend gets 409.
func TestNetHTTPResendsOnAReusedConnection(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	c.do("GET", "/v1/lists", nil).want(t, http.StatusOK) // leaves an idle connection

	srv.Inject(sendEvent, loopstest.ProcessThenDrop())
	c.do("POST", "/v1/events/send", event, "Idempotency-Key", "auto").want(t, http.StatusConflict)
	if srv.RequestCount(sendEvent) != 2 || srv.IdempotencyCount("auto") != 1 || len(srv.Events()) != 1 {
		t.Errorf("%d attempts, processed %d times", srv.RequestCount(sendEvent), srv.IdempotencyCount("auto"))
	}
}

// arrivals signals each request that gets the given fault.
func arrivals(fault string) (loopstest.Option, <-chan loopstest.Request) {
	ch := make(chan loopstest.Request, 8)
	return loopstest.WithRequestHook(func(r loopstest.Request) {
		if r.Fault == fault {
			ch <- r
		}
	}), ch
}

func TestHangEndsWhenTheClientGivesUp(t *testing.T) {
	hook, arrived := arrivals("hang")
	srv := loopstest.NewServer(t, hook)
	srv.Inject(sendEvent, loopstest.Hang())
	c := newClient(t, srv)

	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.try(ctx, "POST", "/v1/events/send", event)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	srv.Close() // returns only once the held request is released
	if len(srv.Events()) != 0 {
		t.Error("a hung request was processed")
	}
	if r := srv.Requests()[0]; r.Status != 0 || r.Fault != "hang" {
		t.Errorf("journal %+v", r)
	}
}

func TestHangEndsWhenTheServerCloses(t *testing.T) {
	hook, arrived := arrivals("hang")
	srv := loopstest.New(hook)
	srv.Inject("GET /v1/lists", loopstest.Hang())
	c := newClient(t, srv)

	go func() {
		<-arrived
		srv.Close()
	}()
	if _, err := c.try(t.Context(), "GET", "/v1/lists", nil); err == nil {
		t.Fatal("a hung request got an answer")
	}
}

func TestSlowFaultOverTheNetwork(t *testing.T) {
	srv := loopstest.NewServer(t)
	srv.Inject("GET /v1/lists", loopstest.Slow(0))
	newClient(t, srv).do("GET", "/v1/lists", nil).want(t, http.StatusOK)
	if r := srv.Requests()[0]; r.Fault != "slow(0s)" || r.Status != http.StatusOK {
		t.Errorf("journal %+v", r)
	}
}

func TestInjectNeedsAMethod(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	loopstest.NewServer(t).Inject("/v1/lists", loopstest.Hang())
}

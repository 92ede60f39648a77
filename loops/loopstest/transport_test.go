package loopstest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops/loopstest"
)

// inProcess is a client that reaches srv through Transport only.
func inProcess(t testing.TB, srv *loopstest.Server) *client {
	c := newClient(t, srv)
	c.http = &http.Client{Transport: srv.Transport()}
	return c
}

func TestTransportWithoutNetwork(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithoutListener())
	if srv.URL() != "http://loopstest.invalid/api" {
		t.Errorf("URL() = %q", srv.URL())
	}
	c := inProcess(t, srv)
	res := c.do("POST", "/v1/contacts/create", map[string]any{"email": "t@example.com"}).want(t, http.StatusOK)
	if res.header.Get("Content-Type") != "application/json" || res.header.Get("x-ratelimit-remaining") != "9" {
		t.Errorf("headers %v", res.header)
	}
	if _, ok := srv.Contact("t@example.com"); !ok {
		t.Error("not stored")
	}

	srv.Inject(sendEvent, loopstest.DropConnection(), loopstest.ProcessThenDrop())
	_, err := c.try(t.Context(), "POST", "/v1/events/send", event)
	if !errors.Is(err, loopstest.ErrConnectionDropped) || !errors.Is(err, io.EOF) {
		t.Errorf("DropConnection: err = %v", err)
	}
	_, err = c.try(t.Context(), "POST", "/v1/events/send", event)
	if !errors.Is(err, loopstest.ErrConnectionDropped) || len(srv.Events()) != 1 {
		t.Errorf("ProcessThenDrop: err = %v, %d events", err, len(srv.Events()))
	}

	srv.Close()
	if _, err := c.try(t.Context(), "GET", "/v1/lists", nil); !errors.Is(err, loopstest.ErrServerClosed) {
		t.Errorf("after Close: err = %v", err)
	}
}

// TestTransportInSynctestBubble shows Slow and Hang costing no real time.
func TestTransportInSynctestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		c := inProcess(t, srv)

		srv.Inject("GET /v1/lists", loopstest.Slow(30*time.Second))
		start := time.Now()
		c.do("GET", "/v1/lists", nil).want(t, http.StatusOK)
		if waited := time.Since(start); waited != 30*time.Second {
			t.Errorf("Slow took %v of fake time, want 30s", waited)
		}

		// A client that gives up before a slow answer leaves it unprocessed.
		srv.Inject(sendEvent, loopstest.Slow(time.Minute))
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		_, err := c.try(ctx, "POST", "/v1/events/send", event)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || len(srv.Events()) != 0 {
			t.Errorf("err = %v, %d events", err, len(srv.Events()))
		}

		srv.Inject("GET /v1/lists", loopstest.Hang())
		ctx, cancel = context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start = time.Now()
		_, err = c.try(ctx, "GET", "/v1/lists", nil)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 5*time.Second {
			t.Errorf("Hang: err = %v after %v", err, time.Since(start))
		}
	})
}

// TestRateLimitInSynctestBubble uses the default clock, which a bubble fakes.
func TestRateLimitInSynctestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		c := inProcess(t, srv)
		for range 10 {
			c.do("GET", "/v1/lists", nil).want(t, http.StatusOK)
		}
		c.do("GET", "/v1/lists", nil).want(t, http.StatusTooManyRequests)
		time.Sleep(100 * time.Millisecond) // fake time: one token at 10/s
		c.do("GET", "/v1/lists", nil).want(t, http.StatusOK)
	})
}

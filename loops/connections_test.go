package loops_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// Every response body is read to the end and closed, errors and retried
// attempts included, so one keep-alive connection serves a whole sequence
// of calls (against the real API each new connection is a TLS handshake).
func TestConnectionsAreReused(t *testing.T) {
	srv := loopstest.NewServer(t)
	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 1,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
	c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(hc),
		loops.WithoutRateLimit(), loops.WithBackoff(time.Millisecond, time.Millisecond, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	srv.Inject("GET /v1/lists", loopstest.Status(503), loopstest.HTMLStatus(502))
	steps := []func() error{
		func() error { _, err := c.MailingLists.List(ctx); return err }, // 503, 502, then 200
		func() error {
			_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "a@example.com"})
			return err
		},
		func() error {
			_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "a@example.com"}) // 409
			if err == nil {
				t.Error("want a 409")
			}
			return nil
		},
		func() error {
			err := c.Contacts.Delete(ctx, loops.ByEmail("nobody@example.com")) // 404
			if err == nil {
				t.Error("want a 404")
			}
			return nil
		},
		func() error { return sendEvent(ctx, c) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections dialled for %d requests; want 1 reused connection", n, len(srv.Requests()))
	}
}

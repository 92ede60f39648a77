package loops_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// newClient returns a client pointed at srv with fast retries (so tests
// over real sockets stay quick) and no client-side pacing.
func newClient(t *testing.T, srv *loopstest.Server, opts ...loops.Option) *loops.Client {
	t.Helper()
	base := []loops.Option{
		loops.WithBaseURL(srv.URL()),
		loops.WithBackoff(time.Millisecond, 4*time.Millisecond, 0),
		loops.WithoutRateLimit(),
	}
	c, err := loops.NewClient(srv.APIKey(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sendEvent(ctx context.Context, c *loops.Client, opts ...loops.CallOption) error {
	return c.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"}, opts...)
}

// The case that makes other SDKs send duplicate email: Loops processes the
// send, then the connection drops before the answer arrives. The retry
// carries the same key, Loops answers 409, and the call is a success.
func TestLostResponseIsNotSentTwice(t *testing.T) {
	for _, tc := range []struct {
		name  string
		route string
		send  func(context.Context, *loops.Client, ...loops.CallOption) error
		count func(*loopstest.Server) int
	}{
		{"event", "POST /v1/events/send", sendEvent, func(s *loopstest.Server) int { return len(s.Events()) }},
		{"transactional", "POST /v1/transactional", func(ctx context.Context, c *loops.Client, o ...loops.CallOption) error {
			return c.Transactional.Send(ctx, &loops.TransactionalRequest{TransactionalID: "welcome", Email: "ada@example.com"}, o...)
		}, func(s *loopstest.Server) int { return len(s.TransactionalSends()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome"}))
			c := newClient(t, srv)
			srv.Inject(tc.route, loopstest.ProcessThenDrop())

			var info loops.ResponseInfo
			if err := tc.send(context.Background(), c, loops.WithResponseInfo(&info)); err != nil {
				t.Fatalf("send failed: %v", err)
			}
			if !info.Deduplicated || info.Attempts != 2 {
				t.Errorf("deduplicated=%v attempts=%d; want true, 2", info.Deduplicated, info.Attempts)
			}
			if n := tc.count(srv); n != 1 {
				t.Errorf("Loops processed the send %d times, want exactly 1", n)
			}
			if n := srv.IdempotencyCount(info.IdempotencyKey); n != 1 {
				t.Errorf("IdempotencyCount = %d, want 1", n)
			}
			reqs := srv.Requests()
			if len(reqs) != 2 || reqs[0].Header.Get("Idempotency-Key") != reqs[1].Header.Get("Idempotency-Key") {
				t.Errorf("want 2 attempts with one key, got %d requests", len(reqs))
			}
		})
	}
}

// A 409 under the client's own fresh key means an earlier transmission of
// this call landed, even on the first attempt the SDK knows of: net/http
// may already have re-sent it on a broken keep-alive connection.
func TestConflictOnFirstAttemptUnderOwnKeyIsSuccess(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	srv.Inject("POST /v1/events/send", loopstest.Status(http.StatusConflict))
	var info loops.ResponseInfo
	if err := sendEvent(context.Background(), c, loops.WithResponseInfo(&info)); err != nil {
		t.Fatalf("want success, got %v", err)
	}
	if !info.Deduplicated || info.Attempts != 1 {
		t.Errorf("deduplicated=%v attempts=%d, want true and 1", info.Deduplicated, info.Attempts)
	}
}

func TestConflictUnderCallersKeyIsAnError(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	if err := sendEvent(ctx, c, loops.WithIdempotencyKey("order-7")); err != nil {
		t.Fatal(err)
	}
	err := sendEvent(ctx, c, loops.WithIdempotencyKey("order-7"))
	if !errors.Is(err, loops.ErrIdempotencyKeyReused) || !errors.Is(err, loops.ErrConflict) {
		t.Fatalf("want ErrIdempotencyKeyReused, got %v", err)
	}
	if !strings.Contains(err.Error(), "409") {
		t.Errorf("error text lacks the status: %v", err)
	}
	if n := len(srv.Events()); n != 1 {
		t.Errorf("events processed = %d, want 1", n)
	}
}

func TestSameKeyOnEveryAttemptAndANewKeyPerCall(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	srv.Inject("POST /v1/events/send", loopstest.Status(503), loopstest.Status(502))
	ctx := context.Background()
	if err := sendEvent(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := sendEvent(ctx, c); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("got %d requests, want 3 attempts + 1", len(reqs))
	}
	first := reqs[0].Header.Get("Idempotency-Key")
	if first == "" || reqs[1].Header.Get("Idempotency-Key") != first || reqs[2].Header.Get("Idempotency-Key") != first {
		t.Errorf("attempts of one call carried different keys: %q %q %q", first, reqs[1].Header.Get("Idempotency-Key"), reqs[2].Header.Get("Idempotency-Key"))
	}
	if second := reqs[3].Header.Get("Idempotency-Key"); second == "" || second == first {
		t.Errorf("second call reused key %q", second)
	}
}

func TestRetryPolicyByOperation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		route     string
		fault     loopstest.Fault
		call      func(*loops.Client) error
		wantCalls int
		wantErr   error
	}{
		{"GET retried after 503", "GET /v1/lists", loopstest.Status(503),
			func(c *loops.Client) error { _, err := c.MailingLists.List(ctx); return err }, 2, nil},
		{"GET retried after HTML 502", "GET /v1/lists", loopstest.HTMLStatus(502),
			func(c *loops.Client) error { _, err := c.MailingLists.List(ctx); return err }, 2, nil},
		{"PUT upsert retried after 500", "PUT /v1/contacts/update", loopstest.Status(500),
			func(c *loops.Client) error {
				_, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new("a@example.com")})
				return err
			}, 2, nil},
		{"create not retried after 503", "POST /v1/contacts/create", loopstest.Status(503),
			func(c *loops.Client) error {
				_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "a@example.com"})
				return err
			}, 1, loops.ErrServerError},
		{"create retried after 429", "POST /v1/contacts/create", loopstest.RateLimited(),
			func(c *loops.Client) error {
				_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "a@example.com"})
				return err
			}, 2, nil},
		{"create not retried after a dropped connection", "POST /v1/contacts/create", loopstest.ProcessThenDrop(),
			func(c *loops.Client) error {
				_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "a@example.com"})
				return err
			}, 1, nil},
		{"delete not retried after 500", "POST /v1/contacts/delete", loopstest.Status(500),
			func(c *loops.Client) error {
				err := c.Contacts.Delete(ctx, loops.ByEmail("a@example.com"))
				return err
			}, 1, loops.ErrServerError},
		{"suppression removal not retried after 502", "DELETE /v1/contacts/suppression", loopstest.Status(502),
			func(c *loops.Client) error {
				_, err := c.Contacts.RemoveSuppression(ctx, loops.ByEmail("a@example.com"))
				return err
			}, 1, loops.ErrServerError},
		{"400 never retried", "GET /v1/contacts/find", loopstest.Status(400),
			func(c *loops.Client) error {
				_, err := c.Contacts.Find(ctx, loops.ByEmail("a@example.com"))
				return err
			}, 1, loops.ErrBadRequest},
	}
	for _, tt := range tests {
		// In a bubble, over the in-process transport: the 429 case waits
		// out Loops' one-second window in fake time.
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := loopstest.NewServer(t, loopstest.WithoutListener())
				c := srv.Client(t)
				srv.Inject(tt.route, tt.fault)
				err := tt.call(c)
				if got := srv.RequestCount(tt.route); got != tt.wantCalls {
					t.Errorf("requests = %d, want %d", got, tt.wantCalls)
				}
				switch {
				case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				case tt.wantErr == nil && tt.wantCalls > 1 && err != nil:
					t.Errorf("unexpected error after retry: %v", err)
				case tt.wantCalls == 1 && tt.wantErr == nil && err == nil:
					t.Errorf("want the transport error, got success")
				}
			})
		})
	}
}

func TestRetriesExhaustedReturnsLastAPIError(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv, loops.WithMaxRetries(2))
	srv.Inject("GET /v1/lists", loopstest.Status(503), loopstest.Status(503), loopstest.HTMLStatus(502))
	_, err := c.MailingLists.List(context.Background())
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want *APIError, got %v", err)
	}
	if apiErr.StatusCode != 502 || apiErr.Attempts != 3 || !strings.HasPrefix(apiErr.Message, "HTML error page") {
		t.Errorf("got status %d, attempts %d, message %q", apiErr.StatusCode, apiErr.Attempts, apiErr.Message)
	}
	if !strings.Contains(err.Error(), "(after 3 attempts)") {
		t.Errorf("error text lacks the attempt count: %v", err)
	}
}

func TestMaxRetriesZeroDisablesRetries(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv, loops.WithMaxRetries(0))
	srv.Inject("GET /v1/lists", loopstest.Status(503))
	if _, err := c.MailingLists.List(context.Background()); !errors.Is(err, loops.ErrServerError) {
		t.Fatalf("want ErrServerError, got %v", err)
	}
	if n := srv.RequestCount("GET /v1/lists"); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

// A one-shot write is retried when the connection failed before any byte
// of it was written: here every dial is refused.
func TestOneShotRetriedWhenNothingWasSent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}}
	c, err := loops.NewClient("key", loops.WithBaseURL("http://"+addr+"/api"), loops.WithHTTPClient(hc),
		loops.WithBackoff(time.Millisecond, time.Millisecond, 0), loops.WithoutRateLimit())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Contacts.Create(context.Background(), &loops.ContactCreateRequest{Email: "a@example.com"})
	if err == nil {
		t.Fatal("want a connection error")
	}
	if got := dials.Load(); got != 1+loops.DefaultMaxRetries {
		t.Errorf("dials = %d, want %d (the create was never written, so it is safe to retry)", got, 1+loops.DefaultMaxRetries)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("the transport error is not wrapped: %v", err)
	}
}

func TestHangingServerAndCancelledContext(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	srv.Inject("GET /v1/contacts/find", loopstest.Hang())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Contacts.Find(ctx, loops.ByEmail("ada+secret@example.com"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the call took %v after its deadline", took)
	}
	if strings.Contains(err.Error(), "ada") || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "email=") {
		t.Errorf("error text leaks the query: %v", err)
	}
	if n := srv.RequestCount("GET /v1/contacts/find"); n != 1 {
		t.Errorf("requests = %d; nothing may be retried after the deadline", n)
	}
}

// Under the caller's own key, a 409 is this call's own echo when an earlier
// transmission of the call may have landed: after an ambiguous attempt
// (here the connection dropped after Loops processed the send) and when
// net/http re-sent the request within one attempt on a warm keep-alive
// connection. Either way the call succeeds, marked Deduplicated, and Loops
// processed the event once. Sent exactly once, a 409 means the key was
// used before: ErrIdempotencyKeyReused.
func TestConflictUnderCallersKey(t *testing.T) {
	ctx := context.Background()
	t.Run("after an ambiguous attempt: deduplicated", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		srv.Inject("POST /v1/events/send", loopstest.ProcessThenDrop())
		var info loops.ResponseInfo
		if err := sendEvent(ctx, c, loops.WithIdempotencyKey("order-9"), loops.WithResponseInfo(&info)); err != nil {
			t.Fatalf("want a deduplicated success, got %v", err)
		}
		if !info.Deduplicated || info.Attempts != 2 || srv.IdempotencyCount("order-9") != 1 {
			t.Errorf("deduplicated=%v attempts=%d processed=%d; want true, 2, 1", info.Deduplicated, info.Attempts, srv.IdempotencyCount("order-9"))
		}
	})
	t.Run("re-sent by net/http on a warm connection: deduplicated", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		if _, err := c.MailingLists.List(ctx); err != nil { // warms the keep-alive connection
			t.Fatal(err)
		}
		srv.Inject("POST /v1/events/send", loopstest.ProcessThenDrop())
		var info loops.ResponseInfo
		if err := sendEvent(ctx, c, loops.WithIdempotencyKey("order-10"), loops.WithResponseInfo(&info)); err != nil {
			t.Fatalf("want a deduplicated success, got %v", err)
		}
		if !info.Deduplicated || info.Attempts != 1 || info.Transmissions != 2 || srv.IdempotencyCount("order-10") != 1 {
			t.Errorf("deduplicated=%v attempts=%d transmissions=%d processed=%d; want true, 1, 2, 1",
				info.Deduplicated, info.Attempts, info.Transmissions, srv.IdempotencyCount("order-10"))
		}
	})
	t.Run("sent once: the key was reused", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		if err := sendEvent(ctx, c, loops.WithIdempotencyKey("order-11")); err != nil {
			t.Fatal(err)
		}
		var info loops.ResponseInfo
		err := sendEvent(ctx, c, loops.WithIdempotencyKey("order-11"), loops.WithResponseInfo(&info))
		var apiErr *loops.APIError
		if !errors.Is(err, loops.ErrIdempotencyKeyReused) || !errors.As(err, &apiErr) || apiErr.Attempts != 1 {
			t.Fatalf("want ErrIdempotencyKeyReused after one attempt, got %v", err)
		}
		if info.Deduplicated || info.Transmissions != 1 {
			t.Errorf("deduplicated=%v transmissions=%d; want false, 1", info.Deduplicated, info.Transmissions)
		}
	})
}

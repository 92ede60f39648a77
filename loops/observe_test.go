package loops_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// recorder is an Observer that writes down every event, as text, for
// comparing with what a call must report.
type recorder struct {
	mu     sync.Mutex
	events []string
	ops    []loops.Operation
	ends   []loops.CallResult
}

type ctxMark struct{}

func (r *recorder) StartCall(ctx context.Context, op loops.Operation) (context.Context, loops.CallObserver) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	r.events = append(r.events, "start "+op.Name+" "+op.OperationID+" "+op.Method+" "+op.Route)
	return context.WithValue(ctx, ctxMark{}, op.Name), callRecorder{r}
}

type callRecorder struct{ r *recorder }

func (c callRecorder) add(s string) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	c.r.events = append(c.r.events, s)
}

func (c callRecorder) LimiterWaited(name string, d time.Duration) {
	c.add(fmt.Sprintf("wait %s %v", name, d))
}

func (c callRecorder) Attempted(a loops.Attempt) {
	c.add(fmt.Sprintf("attempt %d status %d retry %q after %v", a.N, a.StatusCode, a.Retry, a.RetryWait))
}

func (c callRecorder) Ended(res loops.CallResult) {
	c.r.mu.Lock()
	c.r.ends = append(c.r.ends, res)
	c.r.mu.Unlock()
	c.add(fmt.Sprintf("end class %q status %d attempts %d dedup %v key %v", res.Class, res.StatusCode, res.Attempts, res.Deduplicated, res.IdempotencyKey))
}

func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.events, "\n")
}

func TestObserverSeesRetriesAndTheResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		srv, c := bubbleClient(t, nil, loops.WithObserver(rec))
		srv.Inject("POST /v1/events/send", loopstest.Status(503))
		err := c.Events.Send(context.Background(), &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"})
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Join([]string{
			"start Events.Send sendEvent POST /v1/events/send",
			`attempt 1 status 503 retry "server_error" after 250ms`,
			`attempt 2 status 200 retry "" after 0s`,
			`end class "" status 200 attempts 2 dedup false key true`,
		}, "\n")
		if got := rec.text(); got != want {
			t.Errorf("events:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestObserverSeesADeduplicatedSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		srv, c := bubbleClient(t, nil, loops.WithObserver(rec))
		srv.Inject("POST /v1/events/send", loopstest.ProcessThenDrop())
		err := c.Events.Send(context.Background(), &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(srv.Events()); got != 1 {
			t.Fatalf("the fake processed %d sends, want 1", got)
		}
		end := rec.ends[len(rec.ends)-1]
		if !end.Deduplicated || end.Attempts != 2 || end.Class != "" || end.StatusCode != http.StatusConflict {
			t.Errorf("end = %+v, want a deduplicated success after 2 attempts", end)
		}
	})
}

func TestObserverClassifiesFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		srv, c := bubbleClient(t, nil, loops.WithObserver(rec), loops.WithMaxRetries(1))
		srv.Inject("GET /v1/api-key", loopstest.RateLimited(), loopstest.RateLimited())
		_, err := c.Account.TestAPIKey(context.Background())
		if !errors.Is(err, loops.ErrRateLimited) {
			t.Fatalf("err = %v, want ErrRateLimited", err)
		}
		end := rec.ends[len(rec.ends)-1]
		if end.Class != "rate_limited" || end.Attempts != 2 || end.StatusCode != 429 || end.Err != err {
			t.Errorf("end = %+v, want rate_limited after 2 attempts, with the call's error", end)
		}
		// A request refused locally never starts: nothing was sent.
		calls := len(rec.ops)
		err = c.Events.Send(context.Background(), &loops.EventRequest{EventName: "x"})
		if !errors.Is(err, loops.ErrInvalidInput) {
			t.Fatalf("err = %v, want ErrInvalidInput", err)
		}
		if len(rec.ops) != calls {
			t.Errorf("a locally refused call was reported: %+v", rec.ops[calls:])
		}
	})
}

func TestObserverNeverSeesTheKeyOrAnEmail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		srv, c := bubbleClient(t, nil, loops.WithObserver(rec))
		srv.Inject("GET /v1/contacts/find", loopstest.Status(500))
		_, _ = c.Contacts.Find(context.Background(), loops.ByEmail("ada@example.com"))
		_ = c.Do(context.Background(), "GET", "/v1/contacts/find?email=ada%40example.com", nil, nil)
		got := rec.text()
		for _, secret := range []string{srv.APIKey(), "ada", "example.com"} {
			if strings.Contains(got, secret) {
				t.Errorf("observer saw %q:\n%s", secret, got)
			}
		}
		if !slices.ContainsFunc(rec.ops, func(op loops.Operation) bool { return op.Name == "GET /v1/contacts/find" }) {
			t.Errorf("Do was not reported by route template: %+v", rec.ops)
		}
	})
}

func TestObserverContextReachesTheRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &recorder{}
		var seen []any
		mw := func(req *http.Request, next loops.MiddlewareNext) (*http.Response, error) {
			seen = append(seen, req.Context().Value(ctxMark{}))
			return next(req)
		}
		_, c := bubbleClient(t, nil, loops.WithObserver(rec), loops.WithMiddleware(mw))
		if _, err := c.Account.TestAPIKey(context.Background()); err != nil {
			t.Fatal(err)
		}
		resp, err := c.Raw().ListMailingLists(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := []any{"Account.TestAPIKey", "GET /v1/lists"}; !slices.Equal(seen, want) {
			t.Errorf("middleware saw contexts %v, want %v", seen, want)
		}
		if n := len(rec.ends); n != 2 {
			t.Errorf("%d calls ended, want 2 (the low-level one included)", n)
		}
	})
}

func TestMiddlewareRunsPerAttemptInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var order []string
		named := func(name string) loops.Middleware {
			return func(req *http.Request, next loops.MiddlewareNext) (*http.Response, error) {
				order = append(order, name+">")
				resp, err := next(req)
				order = append(order, "<"+name)
				return resp, err
			}
		}
		header := func(req *http.Request, next loops.MiddlewareNext) (*http.Response, error) {
			req.Header.Set("X-Trace", "t1")
			return next(req)
		}
		srv, c := bubbleClient(t, nil, loops.WithMiddleware(named("a"), named("b"), header))
		srv.Inject("GET /v1/api-key", loopstest.Status(503))
		if _, err := c.Account.TestAPIKey(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := []string{"a>", "b>", "<b", "<a", "a>", "b>", "<b", "<a"}
		if !slices.Equal(order, want) {
			t.Errorf("order = %v, want %v (once per attempt, the first outermost)", order, want)
		}
		for _, r := range srv.Requests() {
			if r.Header.Get("X-Trace") != "t1" {
				t.Errorf("request %s lacks the middleware's header", r.Path)
			}
		}
	})
}

func TestMiddlewareErrorIsATransportFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		refuse := func(*http.Request, loops.MiddlewareNext) (*http.Response, error) {
			return nil, errors.New("blocked by policy")
		}
		srv, c := bubbleClient(t, nil, loops.WithMiddleware(refuse), loops.WithMaxRetries(0))
		_, err := c.Account.TestAPIKey(context.Background())
		if err == nil || !strings.Contains(err.Error(), "blocked by policy") {
			t.Fatalf("err = %v, want the middleware's error", err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests reached the fake, want 0", n)
		}
	})
}

func TestWithMiddlewareRefusesNil(t *testing.T) {
	if _, err := loops.NewClient("k", loops.WithMiddleware(nil)); err == nil {
		t.Fatal("a nil middleware was accepted")
	}
}

func TestErrorClass(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&loops.APIError{StatusCode: 429}, "rate_limited"},
		{fmt.Errorf("wrapped: %w", &loops.APIError{StatusCode: 404}), "not_found"},
		{&loops.APIError{StatusCode: 409}, "conflict"},
		{&loops.APIError{StatusCode: 502}, "server_error"},
		{&loops.APIError{StatusCode: 422}, "api_error"},
		{&loops.ValidationError{}, "invalid_input"},
		{context.Canceled, "canceled"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "timeout"},
		{errors.New("connection reset"), "transport"},
	} {
		if got := loops.ErrorClass(tc.err); got != tc.want {
			t.Errorf("ErrorClass(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestCallMiddlewareRunsInsideTheClientsForThatCallOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var order []string
		named := func(name string) loops.Middleware {
			return func(req *http.Request, next loops.MiddlewareNext) (*http.Response, error) {
				order = append(order, name)
				return next(req)
			}
		}
		_, c := bubbleClient(t, nil, loops.WithMiddleware(named("client")))
		ctx := context.Background()
		if _, err := c.Account.TestAPIKey(ctx, loops.WithMiddleware(named("call1"))); err != nil {
			t.Fatal(err)
		}
		// Two calls with their own middleware at once: neither sees the
		// other's, and the client's slice is never appended to in place.
		if _, err := c.Account.TestAPIKey(ctx, loops.WithMiddleware(named("call2"))); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Account.TestAPIKey(ctx); err != nil {
			t.Fatal(err)
		}
		want := []string{"client", "call1", "client", "call2", "client"}
		if !slices.Equal(order, want) {
			t.Errorf("order = %v, want %v", order, want)
		}
		if _, err := c.Account.TestAPIKey(ctx, loops.WithMiddleware(nil)); err == nil {
			t.Error("a nil call middleware was accepted")
		}
	})
}

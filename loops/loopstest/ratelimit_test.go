package loopstest_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops/loopstest"
)

func TestRateLimitWithInjectedClock(t *testing.T) {
	clock := newFakeClock()
	srv := loopstest.NewServer(t, loopstest.WithClock(clock.Now), loopstest.WithRateLimit(2, 3))
	c := newClient(t, srv)
	create := func(email string) *result {
		return c.do("POST", "/v1/contacts/create", map[string]any{"email": email})
	}

	for i, want := range []int{2, 1, 0} {
		res := create("u"+strconv.Itoa(i)+"@example.com").want(t, http.StatusOK)
		if got := res.header.Get("x-ratelimit-remaining"); got != strconv.Itoa(want) || res.header.Get("x-ratelimit-limit") != "3" {
			t.Errorf("request %d: remaining %s limit %s", i, got, res.header.Get("x-ratelimit-limit"))
		}
	}
	res := create("over@example.com").want(t, http.StatusTooManyRequests)
	if string(res.body) != `{"success":false,"message":"Rate limit exceeded"}` ||
		res.header.Get("x-ratelimit-remaining") != "0" || res.header.Get("x-ratelimit-limit") != "3" {
		t.Errorf("429: %v %s", res.header, res.body)
	}
	if _, ok := srv.Contact("over@example.com"); ok {
		t.Error("a rate-limited request was processed")
	}

	clock.Advance(500 * time.Millisecond) // one token back at 2/s
	create("over@example.com").want(t, http.StatusOK)
	create("again@example.com").want(t, http.StatusTooManyRequests)

	clock.Advance(time.Minute) // refilled, never beyond the burst
	if got := create("later@example.com").want(t, http.StatusOK).header.Get("x-ratelimit-remaining"); got != "2" {
		t.Errorf("remaining after refill %s", got)
	}
}

func TestRateLimitSkipsRejectedKeys(t *testing.T) {
	clock := newFakeClock()
	srv := loopstest.NewServer(t, loopstest.WithClock(clock.Now), loopstest.WithRateLimit(1, 1))
	bad := newClient(t, srv)
	bad.key = "wrong"
	for range 3 {
		bad.do("GET", "/v1/api-key", nil).want(t, http.StatusUnauthorized)
	}
	good := newClient(t, srv)
	good.do("GET", "/v1/api-key", nil).want(t, http.StatusOK)
	good.do("GET", "/v1/api-key", nil).want(t, http.StatusTooManyRequests)
}

func TestWithoutRateLimit(t *testing.T) {
	for _, opt := range []loopstest.Option{loopstest.WithoutRateLimit(), loopstest.WithRateLimit(0, 0)} {
		srv := loopstest.NewServer(t, opt)
		c := newClient(t, srv)
		for range 30 {
			res := c.do("GET", "/v1/lists", nil).want(t, http.StatusOK)
			if res.header.Get("x-ratelimit-limit") != "10" || res.header.Get("x-ratelimit-remaining") != "10" {
				t.Fatalf("headers %v", res.header)
			}
		}
	}
}

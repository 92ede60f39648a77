package loopstest_test

import (
	"net/http"
	"slices"
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
		if got := res.header.Get("x-ratelimit-remaining"); got != strconv.Itoa(want) || res.header.Get("x-ratelimit-limit") != "2" {
			t.Errorf("request %d: remaining %s limit %s", i, got, res.header.Get("x-ratelimit-limit"))
		}
	}
	res := create("over@example.com").want(t, http.StatusTooManyRequests)
	if string(res.body) != `{"success":false,"message":"Rate limit exceeded"}` ||
		res.header.Get("x-ratelimit-remaining") != "0" || res.header.Get("x-ratelimit-limit") != "2" {
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

// Each rate model counts as its name says, and answers 429 with the
// limit per window in x-ratelimit-limit.
func TestRateModels(t *testing.T) {
	statuses := func(model loopstest.RateModel, at ...time.Duration) []int {
		clock := newFakeClock()
		srv := loopstest.NewServer(t, loopstest.WithClock(clock.Now), loopstest.WithRateModel(model))
		c := newClient(t, srv)
		start := clock.Now()
		var out []int
		for _, d := range at {
			clock.Set(start.Add(d))
			res := c.do("GET", "/v1/lists", nil)
			if res.header.Get("x-ratelimit-limit") != "2" {
				t.Errorf("x-ratelimit-limit %q, want 2", res.header.Get("x-ratelimit-limit"))
			}
			out = append(out, res.status)
		}
		return out
	}
	ms := time.Millisecond
	tests := []struct {
		name  string
		model loopstest.RateModel
		at    []time.Duration
		want  []int
	}{
		// 2 a second, burst 1: 500 ms apart at least.
		{"token bucket, burst 1", loopstest.TokenBucket(2, time.Second, 1), []time.Duration{0, 400 * ms, 500 * ms, 1000 * ms}, []int{200, 429, 200, 200}},
		// Windows [0,1s) and [1s,2s): two each, wherever in the window.
		{"fixed window", loopstest.FixedWindow(2, time.Second), []time.Duration{900 * ms, 950 * ms, 990 * ms, 1000 * ms, 1010 * ms}, []int{200, 200, 429, 200, 200}},
		// Any span of a second: the third waits until the first is a second old.
		{"sliding window", loopstest.SlidingWindow(2, time.Second), []time.Duration{900 * ms, 950 * ms, 1010 * ms, 1900 * ms, 1901 * ms}, []int{200, 200, 429, 200, 429}},
	}
	for _, tt := range tests {
		if got := statuses(tt.model, tt.at...); !slices.Equal(got, tt.want) {
			t.Errorf("%s: statuses %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Content-API operations also draw from the content budget.
func TestContentBudget(t *testing.T) {
	clock := newFakeClock()
	srv := loopstest.NewServer(t, loopstest.WithClock(clock.Now), loopstest.WithoutRateLimit(), loopstest.WithContentBudget(loopstest.FixedWindow(2, time.Minute)))
	c := newClient(t, srv)
	for i, want := range []int{200, 200, 429} {
		if res := c.do("GET", "/v1/campaigns", nil); res.status != want {
			t.Errorf("content request %d: %d, want %d", i, res.status, want)
		}
	}
	c.do("GET", "/v1/lists", nil).want(t, http.StatusOK) // not content: only the general limit
	clock.Advance(time.Minute)
	c.do("GET", "/v1/campaigns", nil).want(t, http.StatusOK)
}

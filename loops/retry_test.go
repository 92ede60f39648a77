package loops

import (
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"3", 3 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0, true},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = (%v, %v), want (%v, %v)", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "0", "120", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "9223372036854775807", "1e3"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, now)
		if d < 0 {
			t.Fatalf("negative wait %v for %q", d, v)
		}
		if !ok && d != 0 {
			t.Fatalf("wait %v reported with ok=false for %q", d, v)
		}
	})
}

func TestBackoffSchedule(t *testing.T) {
	p := retryPolicy{maxRetries: 10, base: 250 * time.Millisecond, max: 4 * time.Second}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		if got := p.backoff(i + 1); got != w {
			t.Errorf("backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := p.backoff(200); got != 4*time.Second {
		t.Errorf("backoff(200) = %v, want the cap", got)
	}
}

// WithBackoff(0, 0, 0) retries at once, but a 429 still waits out Loops'
// window and Retry-After still counts.
func TestZeroBackoffRetriesAtOnce(t *testing.T) {
	var rc requestConfig
	if err := WithBackoff(0, 0, 0)(&rc); err != nil {
		t.Fatal(err)
	}
	p := rc.retry
	for n := 1; n <= 5; n++ {
		if got := p.backoff(n); got != 0 {
			t.Errorf("backoff(%d) = %v, want 0", n, got)
		}
	}
	now := time.Now()
	if got, _ := p.waitAfterStatus(1, 503, http.Header{}, now, 0); got != 0 {
		t.Errorf("after a 503: %v, want 0", got)
	}
	if got, _ := p.waitAfterStatus(1, 503, http.Header{"Retry-After": {"2"}}, now, 0); got != 2*time.Second {
		t.Errorf("after a 503 with Retry-After: 2: %v, want 2s", got)
	}
	if got, _ := p.waitAfterStatus(1, 429, http.Header{}, now, 0); got != time.Second {
		t.Errorf("after an unpaced 429: %v, want Loops' 1s window", got)
	}
}

func TestBackoffJitterStaysInBounds(t *testing.T) {
	p := retryPolicy{base: time.Second, max: 4 * time.Second, jitter: 0.1}
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := p.backoff(1)
		if d < 900*time.Millisecond || d > 1100*time.Millisecond {
			t.Fatalf("backoff(1) = %v, outside 1s ± 10%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 10 {
		t.Errorf("jitter produced only %d distinct waits", len(seen))
	}
}

func TestWaitAfterStatus(t *testing.T) {
	now := time.Now()
	p := retryPolicy{base: 250 * time.Millisecond, max: 4 * time.Second}
	h := func(kv ...string) http.Header {
		hd := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			hd.Set(kv[i], kv[i+1])
		}
		return hd
	}
	tests := []struct {
		name   string
		status int
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"503 backoff", 503, h(), 250 * time.Millisecond, true},
		{"429 waits the window", 429, h(), time.Second, true},
		{"429 retry-after wins", 429, h("Retry-After", "3"), 3 * time.Second, true},
		{"429 retry-after 0 still waits the window", 429, h("Retry-After", "0"), time.Second, true},
		{"503 retry-after", 503, h("Retry-After", "2"), 2 * time.Second, true},
		{"too long", 429, h("Retry-After", "3600"), 0, false},
	}
	for _, tt := range tests {
		got, ok := p.waitAfterStatus(1, tt.status, tt.header, now, 0)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: waitAfterStatus = (%v, %v), want (%v, %v)", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		method string
		flags  routeFlag
		want   safety
	}{
		{"GET", 0, repeatable},
		{"GET", routeContent, repeatable},
		{"PUT", 0, repeatable},
		{"POST", routeKeyed, repeatable},
		{"POST", routeRevisioned | routeContent, repeatable},
		{"DELETE", routeRevisioned, repeatable},
		{"POST", 0, oneShot},
		{"POST", routeContent, oneShot},
		{"DELETE", 0, oneShot},
	}
	for _, tt := range tests {
		if got := classify(tt.method, tt.flags); got != tt.want {
			t.Errorf("classify(%s, %b) = %v, want %v", tt.method, tt.flags, got, tt.want)
		}
	}
	for status, want := range map[int][2]bool{429: {true, true}, 500: {true, false}, 503: {true, false}, 400: {false, false}, 404: {false, false}, 409: {false, false}} {
		if got := retryableStatus(status, repeatable); got != want[0] {
			t.Errorf("retryableStatus(%d, repeatable) = %v", status, got)
		}
		if got := retryableStatus(status, oneShot); got != want[1] {
			t.Errorf("retryableStatus(%d, oneShot) = %v", status, got)
		}
	}
}

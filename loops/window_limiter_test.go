package loops_test

import (
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// How AdaptiveLimiter behaves where x-ratelimit-remaining shows that
// Loops counts requests in a window (it reports spare budget), rather than
// their spacing: it waits out a window spent at start-up, leaves one
// request of each window free once three or more processes share the
// team, moves to another series rather than halving its share when only
// crowding explains a 429, and tells a fixed window's swings from spare
// budget. The fleet tests (fleet_test.go) measure what these add up to.

// windowHeader is an answer of a server counting a 10-request window.
func windowHeader(remaining int) http.Header {
	return http.Header{"X-Ratelimit-Limit": {"10"}, "X-Ratelimit-Remaining": {strconv.Itoa(remaining)}}
}

// gapOf is the time between two requests queued back to back on l: one
// period of its series.
func gapOf(t *testing.T, l *loops.AdaptiveLimiter) time.Duration {
	ctx := t.Context()
	_ = l.Wait(ctx)
	_ = l.Wait(ctx)
	s := time.Now()
	_ = l.Wait(ctx)
	return time.Since(s)
}

// near reports whether d lies within a millisecond of want: leads and
// their random part move a departure by a fraction of one.
func near(d, want time.Duration) bool { return (d - want).Abs() < time.Millisecond }

// crowdedSlot is the slot of a limiter at 10 a second among three or more
// processes counted in a window: nine requests a window, 1 % wider.
var crowdedSlot = func() time.Duration { s := float64(time.Second); return time.Duration(s / 9 * 1.01) }()

// A limiter that finds the window spent within a window of its first
// success (processes started together took the whole budget in its first
// slots) sends nothing more until that window has passed; where the
// header shows nothing (a server counting spacing), it goes on in its
// next slot.
func TestAdaptiveLimiterWaitsOutTheFirstWindow(t *testing.T) {
	for _, tc := range []struct {
		name      string
		header    func(remaining int) http.Header
		waitsOut  bool
		remaining int
	}{
		{"window", windowHeader, true, 6},
		{"spacing", func(int) http.Header { return windowHeader(0) }, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := loops.NewLimiter(10)
				ctx := t.Context()
				_ = l.Wait(ctx)
				start := time.Now()
				l.OnResponse(http.StatusOK, tc.header(9))
				_ = l.Wait(ctx)
				l.OnResponse(http.StatusOK, tc.header(tc.remaining))
				_ = l.Wait(ctx)
				l.OnResponse(http.StatusTooManyRequests, windowHeader(0))
				_ = l.Wait(ctx)
				if got := time.Since(start) >= time.Second; got != tc.waitsOut {
					t.Errorf("the request after the 429 left %v after the first success; want waiting out the window %v", time.Since(start), tc.waitsOut)
				}
			})
		})
	}
}

// crowdedLimiter returns a limiter, counted in a window, that a 429 in
// its first second took to one slot in four (its two wins of the second
// suggest a team of four or five).
func crowdedLimiter(t *testing.T) *loops.AdaptiveLimiter {
	l := loops.NewLimiter(10)
	ctx := t.Context()
	for _, remaining := range []int{9, 6} {
		_ = l.Wait(ctx)
		l.OnResponse(http.StatusOK, windowHeader(remaining))
	}
	_ = l.Wait(ctx)
	l.OnResponse(http.StatusTooManyRequests, windowHeader(0))
	return l
}

// With one slot in four, the limiter's slots leave one request of each
// window free: 4 × 1/9 s (1 % wider) apart, not 4 × 1/9.6 s.
func TestCrowdedLimiterLeavesOneRequestOfTheWindowFree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := crowdedLimiter(t)
		if g := gapOf(t, l); !near(g, 4*crowdedSlot) {
			t.Errorf("one slot in four, counted in a window: %v apart; want %v", g, 4*crowdedSlot)
		}
	})
}

// A 429 to a crowded limiter whose wins match its share moves it to
// another series at the same share; a second one within ten windows
// halves the share, since the team then sends too much.
func TestCrowdedLimiterMovesBeforeItSplits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := crowdedLimiter(t)
		ctx := t.Context()
		full := func(d time.Duration) { // answers from a full window
			for end := time.Now().Add(d); time.Now().Before(end); {
				_ = l.Wait(ctx)
				l.OnResponse(http.StatusOK, windowHeader(1))
			}
		}
		full(11 * time.Second)
		l.OnResponse(http.StatusTooManyRequests, windowHeader(0))
		if g := gapOf(t, l); !near(g, 4*crowdedSlot) {
			t.Errorf("after a 429 that crowding explains: %v apart; want the same share, %v", g, 4*crowdedSlot)
		}
		full(2 * time.Second)
		l.OnResponse(http.StatusTooManyRequests, windowHeader(0))
		if g := gapOf(t, l); !near(g, 8*crowdedSlot) {
			t.Errorf("after a second 429 two seconds later: %v apart; want half the share, %v", g, 8*crowdedSlot)
		}
	})
}

// A limiter at half the slots claims the rest after six answers in a row
// with room for its rate to double, steady within two requests; a
// remaining that swings as a fixed window's does (high early in each
// window, whatever the team sends), or that leaves room for less than the
// limiter's own requests of a window, claims nothing.
func TestLimiterTellsSpareBudgetFromAWindowsSwing(t *testing.T) {
	half := func(t *testing.T) *loops.AdaptiveLimiter {
		l := loops.NewLimiter(10)
		ctx := t.Context()
		for range 12 { // over a second at full speed: the 429 then halves the share
			_ = l.Wait(ctx)
			l.OnResponse(http.StatusOK, windowHeader(3))
		}
		_ = l.Wait(ctx)
		l.OnResponse(http.StatusTooManyRequests, windowHeader(0))
		return l
	}
	const slot = time.Second * 10 / 96 // 10 a second less the 4 % margin
	for _, tc := range []struct {
		name      string
		remaining []int
		claims    bool
	}{
		{"steady", []int{6, 5, 6, 6, 7}, true},
		{"swinging", []int{9, 4, 8, 5, 9, 4}, false},
		// Room for a request or three, not for the limiter's own four or
		// five a window: a bucket's burst refilling under a full team.
		{"too little", []int{3, 3, 2, 3, 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := half(t)
				if g := gapOf(t, l); !near(g, 2*slot) {
					t.Fatalf("after the 429: %v apart; want %v", g, 2*slot)
				}
				for i := range 40 {
					_ = l.Wait(t.Context())
					l.OnResponse(http.StatusOK, windowHeader(tc.remaining[i%len(tc.remaining)]))
				}
				if g := gapOf(t, l); near(g, slot) != tc.claims {
					t.Errorf("after 40 answers: %v apart; want the full rate %v", g, tc.claims)
				}
			})
		})
	}
}

package loops_test

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// A limiter slower than the team's rate (WithRateLimit(10/N) in each of N
// processes) answers a 429 by moving its grid to another phase, keeping
// its rate, up to four times in ten seconds; a fifth 429 in that span says
// the processes together send more than the team's budget, and halves its
// share.
func TestSlowLimiterMovesItsPhaseBeforeItSplits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := loops.NewLimiter(2.5) // four phases of the team's slot
		ctx := t.Context()
		const interval = time.Second * 10 / 24 // 2.5 a second less the 4 % margin
		refuse := func() {
			_ = l.Wait(ctx)
			l.OnResponse(http.StatusOK, nil)
			_ = l.Wait(ctx)
			l.OnResponse(http.StatusTooManyRequests, nil)
		}
		for range 4 {
			refuse()
		}
		if g := gapOf(t, l); !near(g, interval) {
			t.Fatalf("after four 429s within ten seconds: %v apart; want the same rate, %v", g, interval)
		}
		refuse()
		if g := gapOf(t, l); !near(g, 2*interval) {
			t.Errorf("after a fifth 429 within ten seconds: %v apart; want half the rate, %v", g, 2*interval)
		}
	})
}

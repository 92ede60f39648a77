package loops_test

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// A request already waiting for its slot when a 429 halves the limiter's
// share leaves with the lead of the new share (a 512th of a slot per
// halving, see AdaptiveLimiter), not at the slot itself: where two
// processes meet in a slot, the one with the smaller share must leave
// first, or the one still learning takes the slot and the other loses
// again. (Before waiters looked again, a second process of two lost twice
// at start-up, and the pair settled at 3/4 of the slots.)
func TestWaitingRequestTakesTheLeadOfANewShare(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := loops.NewLimiter(10)
		ctx := t.Context()
		_ = l.Wait(ctx) // finds the limiter idle and leaves at once
		l.OnResponse(http.StatusOK, nil)
		left := make(chan time.Time)
		go func() {
			_ = l.Wait(ctx)
			left <- time.Now()
		}()
		// The second request sleeps until its slot; a 429 after a success
		// keeps that slot and halves the share.
		synctest.Wait()
		l.OnResponse(http.StatusTooManyRequests, nil)
		got := <-left
		const slot = int64(time.Second * 10 / 96)
		unit := slot / 512
		before := (slot - got.UnixNano()%slot) % slot // how early, before a slot of the grid
		if before < 2*unit || before > 3*unit {
			t.Errorf("the waiting request left %v before its slot; want the lead of one halving, %v, plus at most %v at random", time.Duration(before), time.Duration(2*unit), time.Duration(unit))
		}
	})
}

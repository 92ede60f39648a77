package loops

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Limiter paces requests before they are sent. *rate.Limiter from
// golang.org/x/time/rate satisfies it, as does [AdaptiveLimiter].
//
// Loops limits requests per team, not per process. A single Client's
// default limiter keeps that process under the limit, and finds a share of
// the budget when other processes send with the same key (see
// [AdaptiveLimiter]), at the cost of some 429s while they find it. To
// share one budget between clients exactly, pass the same Limiter to each,
// and across processes plug in a distributed implementation (module
// github.com/loopsdev/loops-go/contrib/redislimiter).
type Limiter interface {
	// Wait blocks until a request may be sent or ctx is done.
	Wait(ctx context.Context) error
}

// ResponseObserver is implemented by a Limiter that learns from answers.
// The client reports every response to it, after each attempt (except a
// quota 429, which says nothing about the pace), so that a
// 429 seen by one goroutine slows every goroutine sharing the limiter, and
// the rate-limit headers can correct the pace.
type ResponseObserver interface {
	OnResponse(status int, header http.Header)
}

// PauseReporter is implemented by a [ResponseObserver] that can say how
// long an answer made it hold every request back. The client then calls
// OnResponsePause instead of OnResponse.
//
// After a 429 the client waits at least Loops' one-second window (or the
// Retry-After, when longer) before it retries. When the limiter reports a
// pause at least that long, the retry simply queues in the limiter's Wait
// with everyone else; otherwise (a shorter pause, or a limiter that does
// not implement PauseReporter) the client sleeps the window itself.
// [AdaptiveLimiter] implements it.
type PauseReporter interface {
	// OnResponsePause adapts to an answer as OnResponse does and returns
	// the pause it applied: how long from now no request sharing the
	// limiter may leave (0 when it did not pause).
	OnResponsePause(status int, header http.Header) time.Duration
}

// DefaultRequestsPerSecond is Loops' documented limit per team.
const DefaultRequestsPerSecond = 10

// DefaultContentRequestsPerMinute is Loops' documented budget for the
// content API per team (campaigns, components, email messages, themes,
// transactional templates and groups, uploads, workflows), on top of the
// general limit.
const DefaultContentRequestsPerMinute = 60

// safetyMargin is how far below the nominal rate the limiter paces:
// requests leave evenly spaced but arrive with a few milliseconds of
// jitter, and a server enforcing a strict limit counts their arrivals.
const safetyMargin = 0.04

// AdaptiveLimiter spaces requests evenly at a rate just below the limit,
// shared by every goroutine (and every client) using it. It implements
// [ResponseObserver] and [PauseReporter], and learns from every answer:
//
//   - Requests that wait for their turn leave on a grid of slots one
//     interval long, counted from the Unix epoch, so that the limiters of
//     every process of a team (whose clocks agree within a millisecond or
//     two) use the same slots and never send closer together than one
//     interval. A request that finds the limiter idle leaves at once. A
//     limiter slower than Loops' rate (WithRateLimit(10/N) in each of N
//     processes) lays its grid at a random phase, in steps of the team's
//     slot, and moves to another phase at a 429 (up to four times in ten
//     seconds, see mayRepick), so that such limiters take turns rather
//     than meet in every slot.
//   - A limiter uses one slot in 2^n. n is 0 until a 429 says that another
//     sender (another process with the same key) took a slot; each 429
//     then doubles the period, keeping the half of the slots the limiter
//     did not just lose, so that independent processes divide the slots
//     between them without talking to each other. When the limiter won
//     few of the last second's slots, one 429 takes it straight to the
//     share those wins suggest (see estimate), so that a crowd of
//     processes started together parts in a few steps. The period halves
//     again to claim slots that others have left: after six answers in a
//     row whose x-ratelimit-remaining leaves room for the limiter's rate
//     to double and holds steady (see noteRoom), or, when the header
//     cannot say (a server that counts spacing reports 0 remaining),
//     after about 20 s without a 429 (a probe that meets one doubles that
//     wait, up to 2 minutes; one that holds shortens it).
//   - Where x-ratelimit-remaining shows that the server counts requests in
//     a window rather than their spacing, a window takes a burst at once
//     and then refuses everything until it rolls over, and two processes
//     sending in one slot both get through. So a limiter that finds the
//     window spent within a window of its first success waits for that
//     window to pass; one that holds a quarter of the slots or less (three
//     or more processes share the team) leaves one request of each window
//     free, so that two processes keeping one series do not overfill it
//     (see slotWidth); and at a 429 that only three keeping one series
//     explains, it moves to another series rather than halve its share
//     (see crowdedMeeting).
//   - Where two limiters meet in one slot, the one with the smaller share
//     leaves a fraction of a millisecond earlier and wins it, a probe
//     loses to its equals, a retry after a 429 beats them all, and a
//     random part breaks the remaining ties, so that shares even out and
//     no send loses its slot again and again. A retry after a 429 that
//     finds the limiter idle still keeps to its series while others
//     contend.
//   - A Retry-After (up to a minute) holds every request back that long.
//   - The x-ratelimit-limit header can only slow the limiter below the
//     configured rate, never speed it up, and a lower limit learned from
//     it lapses after [learnedLimitLapse] answers in a row that do not
//     repeat it.
//
// Wait refuses at once, with an error matching context.DeadlineExceeded,
// when the next free slot lies past the ctx deadline.
type AdaptiveLimiter struct {
	window time.Duration // the limit's window: a second, or a minute for content
	base   time.Duration // the interval at the configured rate, margin applied

	mu          sync.Mutex
	floor       time.Duration // the slot: base, or longer when the server says its limit is lower
	unconfirmed int           // answers since the last one that carried x-ratelimit-limit
	share       int           // the limiter uses one slot in 2^share
	next        time.Time     // the next slot this limiter may use; zero before the first request
	early       time.Duration // a random part of the lead, to break ties while contended
	pausedUntil time.Time     // after a 429 with Retry-After, no request leaves before this
	contended   time.Time     // until when the limiter keeps to its series and breaks ties (after a 429)
	streak      int           // successes since share last changed
	changed     time.Time     // when share last changed
	splitAt     time.Time     // when share last grew
	started     time.Time     // when the first answer other than a 429 came
	wins        []time.Time   // when the answers other than 429 of the last second came, oldest first
	phases      int           // how many team slots one interval spans (1 at the team's rate)
	phase       time.Duration // where this limiter's grid starts within its interval, in team slots
	repicked    int           // 429s that moved the phase since repickedAt
	repickedAt  time.Time     // when the first of those came
	probeAfter  int           // slots before the period halves, when the header cannot tell
	probing     bool          // the period halved and no answer has yet confirmed it
	sent        int           // requests that left since the period last grew
	spareRun    int           // answers in a row whose x-ratelimit-remaining left room (see noteRoom)
	spareLo     int           // the lowest x-ratelimit-remaining of that run
	spareHi     int           // the highest
	grid        time.Duration // the slot width next was last aligned to (see slotWidth)
	movedAt     time.Time     // when a 429 last moved the limiter to another series at the same share
	informative bool          // x-ratelimit-remaining has shown spare budget at least once: the server counts a window (or a bucket's burst), not spacing
}

// Bounds of an [AdaptiveLimiter]'s interval between two requests. Faster
// than minInterval is no pacing worth the name; slower than maxInterval
// is clamped, so that no rate, however tiny, overflows a time.Duration
// or stalls a call for years.
const (
	minInterval = time.Microsecond
	maxInterval = time.Hour
)

// How an [AdaptiveLimiter] shares a team's budget with other processes.
const (
	// maxShare bounds the period after 429s: one slot in 64, enough for
	// 64 processes sending at full speed on one key.
	maxShare = 6
	// minProbeAfter and maxProbeAfter bound how long (in slots) a limiter
	// waits without a 429 before it tries a shorter period when the
	// x-ratelimit-remaining header cannot show spare budget; after a probe
	// that held, the wait may shrink to an eighth of minProbeAfter, so
	// that a process left alone after a storm of 429s recovers quickly.
	// Each probe into a full team costs a 429: at 20 s (and doubling from
	// there) blind probes stay under 1 % of a fleet's requests.
	minProbeAfter = 192
	maxProbeAfter = 1024
	// contentionSlots is how long (in slots) after a 429 a limiter keeps
	// leaving a little early to break ties with other processes.
	contentionSlots = 64
	// spareRemaining is the least x-ratelimit-remaining that shows budget
	// nobody is using: a full team leaves at most one request of it.
	spareRemaining = 2
	// spareStreak is how many answers in a row must leave room for the
	// limiter's rate to double before the period halves.
	spareStreak = 6
	// spareSwing is how far x-ratelimit-remaining may vary over those
	// answers: a fixed window's count falls back to zero at the start of
	// each window, which shows a high remaining early in a full window,
	// not spare budget; a sliding window's stays within a request or two.
	spareSwing = 2
	// crowdedShare is the share from which a limiter counted in a window
	// leaves one request of the window free (see slotWidth): with one slot
	// in four or fewer, at least three processes send.
	crowdedShare = 2
	// crowdedMargin widens those slots a little more, so that arrivals a
	// few milliseconds late do not bring the window's free request back.
	crowdedMargin = 0.01
	// movePeriod is how many windows must pass between two moves to
	// another series after a 429 (see crowdedMeeting).
	movePeriod = 10
)

// How often a limiter slower than the team's rate may move its phase at a
// 429 before it splits (see mayRepick).
const (
	maxRepicks = 4
	repickSpan = 10 // windows
)

// learnedLimitLapse is how many answers in a row may come without
// x-ratelimit-limit before a lower limit learned from that header stops
// slowing the limiter. Loops sends the header with every answer, so one
// that stops confirming the limit (a proxy's, a test server's, a stale
// one) should not hold the client back for ever.
const learnedLimitLapse = 8

// NewLimiter returns an [AdaptiveLimiter] for perSecond requests a second.
// A rate that is not a finite positive number (0, negative, NaN, ±Inf)
// cannot pace anything: the limiter then uses Loops' documented rate,
// [DefaultRequestsPerSecond], rather than switching pacing off or stalling.
// ([WithRateLimit] refuses such a rate with an error.) A rate so low that
// its interval would exceed an hour is clamped to one request an hour.
func NewLimiter(perSecond float64) *AdaptiveLimiter { return NewLimiterPer(perSecond, time.Second) }

// NewLimiterPer returns an [AdaptiveLimiter] for limit requests per window,
// such as NewLimiterPer(60, time.Minute) for the content API. A limit that
// is not a finite positive number, or a window that is not positive, falls
// back to Loops' documented [DefaultRequestsPerSecond] a second; intervals
// are clamped between a microsecond and an hour, as for [NewLimiter].
func NewLimiterPer(limit float64, window time.Duration) *AdaptiveLimiter {
	if !validRate(limit) || window <= 0 {
		limit, window = DefaultRequestsPerSecond, time.Second
	}
	base := intervalFor(limit, window)
	l := &AdaptiveLimiter{window: window, base: base, floor: base, probeAfter: minProbeAfter}
	l.phases = phasesOf(base, window)
	l.phase = l.pickPhase()
	return l
}

// validRate reports whether r is a rate a limiter can pace at: finite and
// positive.
func validRate(r float64) bool { return r > 0 && !math.IsInf(r, 0) } // NaN > 0 is false

// intervalFor is the spacing of limit requests per window, safety margin
// applied, clamped to [minInterval, maxInterval]. The division happens in
// floating point, so a tiny rate cannot overflow the conversion.
func intervalFor(limit float64, window time.Duration) time.Duration {
	d := float64(window) / (limit * (1 - safetyMargin))
	switch {
	case !(d >= float64(minInterval)): // NaN included
		return minInterval
	case d > float64(maxInterval):
		return maxInterval
	}
	return time.Duration(d)
}

// Wait blocks until a request may leave: at the limiter's next slot (a
// fraction of a millisecond before it, see lead), or at once when that
// slot has passed (an idle limiter, unless contended), and not before a
// pause ends. Slots are not reserved
// ahead, so a goroutine that wakes late pushes the next one back instead
// of letting two requests leave closer together than the interval.
func (l *AdaptiveLimiter) Wait(ctx context.Context) error {
	deadline, hasDeadline := ctx.Deadline()
	losses, _ := ctx.Value(retryAfter429{}).(int)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.mu.Lock()
		now := time.Now()
		slot, onGrid := l.slot()
		if onGrid && !slot.IsZero() && now.Before(l.contended) {
			// While others contend for the team's slots, even a request
			// that finds the limiter idle keeps to its own series.
			if now.Sub(slot) >= l.slotWidth()/32 {
				slot = inSeries(slot, now, l.period())
			}
		}
		at := slot
		if onGrid {
			at = slot.Add(-l.lead(now, losses))
		}
		if !at.After(now) {
			l.take(now, slot, onGrid)
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if hasDeadline && at.After(deadline) {
			// No "rate limiter:" prefix: the client adds it to every limiter's error.
			return fmt.Errorf("the next slot is %v away, past the deadline: %w", at.Sub(now), context.DeadlineExceeded)
		}
		d := at.Sub(now)
		if onGrid && d > 2*recheckBefore {
			// Wake a little early and look again: a 429 seen meanwhile
			// may have changed the slot or its lead (see lead), which
			// decides who wins a slot that two limiters meet in.
			d -= recheckBefore
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// recheckBefore is how long before its departure a waiting request looks
// at the limiter again: more than any lead.
const recheckBefore = 5 * time.Millisecond

// retryAfter429 is the key of a ctx value (an int: the 429s the call has
// met) that the client sets when it waits for a retry after a 429: that
// request already lost a slot, so it leads every first attempt, and the
// more it lost the more it leads (see lead), so that a send does not lose
// its slot over and over to newer requests until its retries run out.
type retryAfter429 struct{}

// lead is how long before a slot on the grid a request leaves. Where two
// limiters meet in one slot, the one that leaves first wins it, and the
// other splits: so the limiter with the smaller share of the slots leads
// (by a 512th of a slot per halving), one that is probing for a larger
// share leads as much as its old share less half a step (it wins from
// larger shares, not from its equals), a retry after a 429 leads them all,
// and while contended a random part of a 512th of a slot breaks the
// remaining ties. The lead (at most 19/512 of a slot) never reaches the
// 4 % margin between a slot and the true interval.
func (l *AdaptiveLimiter) lead(now time.Time, losses int) time.Duration {
	steps := 2 * l.share
	if l.probing {
		steps++
	}
	if losses > 0 {
		// More than any share's lead, and more again for a request that
		// lost more often.
		steps = 2*maxShare + 2 + min(losses, 4)
	}
	d := time.Duration(steps) * l.leadUnit()
	if now.Before(l.contended) {
		d += l.early
	}
	return d
}

// slot is when the next request may leave: the limiter's next slot on the
// grid, or the end of a pause when that is later (onGrid false).
func (l *AdaptiveLimiter) slot() (at time.Time, onGrid bool) {
	if l.pausedUntil.After(l.next) {
		return l.pausedUntil, false
	}
	return l.next, true
}

// take records a request leaving at now for the slot at, and schedules
// the next: one period later when the request left on time, otherwise
// (an idle limiter, a pause, a late wake-up) the first slot of the same
// series that lies at least about one interval after now.
func (l *AdaptiveLimiter) take(now, at time.Time, onGrid bool) {
	width := l.slotWidth()
	period, tolerance := l.period(), width/32
	switch {
	case onGrid && now.Sub(at) < tolerance:
		l.next = at.Add(period)
	case l.next.IsZero():
		l.next = l.align(now.Add(width - tolerance))
	default:
		l.next = inSeries(l.next, l.align(now.Add(width-tolerance)), period)
	}
	l.early = time.Duration(rand.Int64N(int64(l.leadUnit()) + 1))
	l.sent++
}

// period is the time between two of the limiter's slots: one slot width
// times 2^share, no longer than an hour unless one slot is.
func (l *AdaptiveLimiter) period() time.Duration {
	width := l.slotWidth()
	return min(width<<l.share, max(maxInterval, width))
}

// slotWidth is the width of the grid's slots: the interval (floor), or,
// for a limiter counted in a window (informative) that holds one slot in
// 2^crowdedShare or fewer of the per-second limit, the interval at which
// a window holds one request fewer than the limit. Where the server
// counts requests in a window rather than their spacing, two processes
// that happen to keep the same series do not meet in a 429 at once; they
// push some windows one request over the limit, and the 429 falls on
// whoever comes next. With one request of each window left free, such a
// pair costs nothing, at the price of 7 % of the rate among three or
// more processes. A lone process, or a pair, keeps the full rate.
func (l *AdaptiveLimiter) slotWidth() time.Duration {
	if !l.informative || l.share < crowdedShare || l.window != time.Second || l.phases > 1 {
		return l.floor
	}
	perWindow := math.Round(float64(l.window) / (float64(l.floor) * (1 - safetyMargin)))
	if perWindow < 3 {
		return l.floor
	}
	return max(l.floor, time.Duration(float64(l.window)/(perWindow-1)*(1+crowdedMargin)))
}

// crowdedMeeting reports whether a 429 means that three or more processes
// keep this limiter's series, rather than that the team sends too much:
// where the server counts a window, a limiter whose slots leave one
// request of each window free (see slotWidth) meets a 429 only then, or
// when the processes' shares add up to more than the team's budget. It
// takes the first when its wins over the last second match its share (a
// 429 within a window of a change of share or series says nothing new),
// at most once in movePeriod windows, so that a team that does send too
// much still splits.
func (l *AdaptiveLimiter) crowdedMeeting(now time.Time, header http.Header) bool {
	return l.informative && l.slotWidth() != l.floor &&
		now.Sub(l.splitAt) >= l.window && now.Sub(l.movedAt) > movePeriod*l.window &&
		l.estimate(now, rateLimitFrom(header).Limit) <= l.share
}

// realign puts the next slot on the grid of the current slot width, when
// a change of share or of what the limiter knows changed that width.
func (l *AdaptiveLimiter) realign() {
	if w := l.slotWidth(); w != l.grid {
		l.grid = w
		if !l.next.IsZero() {
			l.next = l.align(l.next)
		}
	}
}

// skipTo moves the limiter's next slot forward by whole periods, to the
// first of its series at or after t.
func (l *AdaptiveLimiter) skipTo(t time.Time) {
	if !l.next.IsZero() {
		l.next = inSeries(l.next, t, l.period())
	}
}

// inSeries returns the first time of the series that runs through slot
// every period, at or after t (slot itself when t is not later).
func inSeries(slot, t time.Time, period time.Duration) time.Time {
	if behind := t.Sub(slot); behind > 0 {
		return slot.Add((behind + period - 1) / period * period)
	}
	return slot
}

// split doubles the period after a 429. The limiter's next slot is the
// one after the lost slot in the old series, which starts the half of the
// series that the winner of the lost slot may not hold: the limiter keeps
// that half. After a loss with no success since the last split (or since
// the start), though, others lost together with it and would all go to
// the same half: it picks one of the two halves at random, so that they
// part. So it does too
// after every loss when x-ratelimit-remaining shows that the server counts
// a window rather than spacing, where those who lose together lose the
// same way.
func (l *AdaptiveLimiter) split() {
	if l.probing {
		l.probeAfter = min(2*l.probeAfter, maxProbeAfter)
	}
	if l.share >= maxShare {
		return
	}
	crowded := l.streak == 0
	if (l.informative || crowded) && rand.IntN(2) == 1 {
		l.next = l.next.Add(l.period())
	}
	l.share++
	l.streak, l.probing, l.spareRun, l.sent = 0, false, 0, 0
	l.changed = time.Now()
	l.splitAt = l.changed
}

// spread takes the limiter's share down to one slot in 2^share, choosing
// at random the series to keep at each halving (the others who lost
// with it are choosing too). A share at or above it is left as it is.
func (l *AdaptiveLimiter) spread(share int) {
	for l.share < min(share, maxShare) {
		if rand.IntN(2) == 1 {
			l.next = l.next.Add(l.period())
		}
		l.share++
	}
}

// teamSlot is the interval at Loops' documented rate: the width of the
// slots that the limiters of one team share.
var teamSlot = intervalFor(DefaultRequestsPerSecond, time.Second)

// phasesOf is how many team slots one interval at base spans, for the
// per-second limit: the phases a limiter slower than the team can choose.
func phasesOf(base, window time.Duration) int {
	if window != time.Second || base < 2*teamSlot {
		return 1
	}
	return int(min(base/teamSlot, 64))
}

// leadUnit is a 512th of the slot whose margin a lead must stay within:
// the limiter's interval, or the team's slot for a limiter slower than
// the team, whose requests sit one team slot from other limiters'.
func (l *AdaptiveLimiter) leadUnit() time.Duration {
	return min(l.floor, teamSlot) / 512
}

// mayRepick reports whether a 429 may move a limiter slower than the
// team's rate to another phase rather than halve its share: at most
// maxRepicks times in repickSpan windows. Limiters that each hold their
// part of the team's rate (WithRateLimit(10/N) in N processes) need a few
// moves to find free phases; limiters that together hold more than the
// team's rate (more processes than the rate was split for) meet 429s
// whatever their phases, and must split.
func (l *AdaptiveLimiter) mayRepick(now time.Time) bool {
	if now.Sub(l.repickedAt) > repickSpan*l.window {
		l.repicked, l.repickedAt = 0, now
	}
	return l.repicked < maxRepicks
}

// pickPhase draws one of the limiter's phases at random.
func (l *AdaptiveLimiter) pickPhase() time.Duration {
	if l.phases <= 1 {
		return 0
	}
	return time.Duration(rand.IntN(l.phases)) * teamSlot
}

// align returns the first slot of the limiter's grid (the epoch's
// multiples of the slot width, shifted by its phase) at or after t.
func (l *AdaptiveLimiter) align(t time.Time) time.Time {
	return alignUp(t.Add(-l.phase), l.slotWidth()).Add(l.phase)
}

// alignUp returns the first multiple of d since the Unix epoch at or
// after t.
func alignUp(t time.Time, d time.Duration) time.Time {
	ns := t.UnixNano()
	r := ns % int64(d)
	if r < 0 {
		r += int64(d)
	}
	if r == 0 {
		return t
	}
	return time.Unix(0, ns-r+int64(d))
}

// OnResponse adapts the pace to an answer.
func (l *AdaptiveLimiter) OnResponse(status int, header http.Header) {
	l.OnResponsePause(status, header)
}

// OnResponsePause adapts the pace to an answer and returns the pause it
// applied to every user of the limiter: after a 429, until the limiter's
// next slot or the end of the Retry-After (up to a minute), whichever is
// later; otherwise 0. It implements [PauseReporter].
func (l *AdaptiveLimiter) OnResponsePause(status int, header http.Header) time.Duration {
	pause, _ := l.respond(status, header)
	return pause
}

// respond is OnResponsePause, and also reports whether the limiter took a
// 429 as another process's use of the slot: it moved its phase or series,
// or halved its share. The client does not count such a 429 against a
// call's retries (up to their number), so that a send does not fail while
// the processes of a team find their shares.
func (l *AdaptiveLimiter) respond(status int, header http.Header) (pause time.Duration, sharingLoss bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.learnLimit(header)
	switch {
	case status == http.StatusTooManyRequests:
		// Someone else took the slot: use every other one of the slots
		// left. The next slot is already the one after the lost slot in
		// the old series, which the doubled series keeps.
		//
		// A 429 to a request that left before the last split says nothing
		// new; nor, where the server counts a window, does one within a
		// window of the split, which may be the requests of before it
		// still counted.
		switch {
		case l.sent > 0 && l.phases > 1 && l.share == 0 && l.mayRepick(now):
			// A limiter slower than the team's rate (WithRateLimit(10/N)
			// in each of N processes) tries another phase: others at its
			// rate may have drawn the same one.
			l.repicked++
			old := l.phase
			for l.phase == old { // phases > 1: another one exists
				l.phase = l.pickPhase()
			}
			l.next = l.align(l.next.Add(l.phase - old))
			sharingLoss = true
		case l.sent > 0 && l.crowdedMeeting(now, header):
			// Three or more processes keep this series (see slotWidth):
			// move to another, picked at random, rather than give up
			// half of a share that the team's budget holds.
			l.movedAt, l.splitAt = now, now
			l.next = l.align(l.next).Add(time.Duration(rand.IntN(1<<l.share)) * l.slotWidth())
			sharingLoss = true
		case l.sent > 0 && !(l.informative && now.Sub(l.splitAt) < l.window):
			share := l.share
			l.split()
			l.spread(l.estimate(now, rateLimitFrom(header).Limit))
			sharingLoss = l.share > share
		}
		l.contended = now.Add(contentionSlots * l.floor)
		l.realign()
		if l.informative && !l.started.IsZero() && now.Sub(l.started) < l.window {
			// Processes started together spend a window's whole budget in
			// its first few slots (a window, unlike a bucket of burst 1,
			// takes them all at once), and everything sent before it
			// rolls over meets a 429: wait for the window that the first
			// success opened to pass.
			l.skipTo(l.started.Add(l.window))
		}
		if ra, ok := parseRetryAfter(header.Get("Retry-After"), now); ok && ra <= maxRetryAfter {
			l.pausedUntil = later(l.pausedUntil, now.Add(ra))
		}
		at, _ := l.slot()
		if at.IsZero() {
			return 0, sharingLoss
		}
		return max(at.Sub(now), 0), sharingLoss
	case status < 500:
		l.win(now)
		l.streak++
		rl := rateLimitFrom(header)
		if rl.Present && rl.Remaining >= spareRemaining {
			l.informative = true
		}
		l.noteRoom(rl)
		if l.probing && l.streak >= 2 {
			// A full period at the shorter interval, and nobody objected.
			l.probing, l.probeAfter = false, max(l.probeAfter/4, minProbeAfter/8)
		}
		quiet := now.Sub(l.changed) >= time.Duration(l.probeAfter)*l.floor
		if l.share > 0 && (l.spareRun >= spareStreak && rand.IntN(2) == 0 || !l.informative && quiet) {
			l.share--
			l.streak, l.probing, l.spareRun, l.changed = 0, true, 0, now
		}
		l.realign()
	}
	return 0, false
}

// noteRoom counts the answers in a row whose x-ratelimit-remaining leaves
// room for this limiter's rate to double: at least spareRemaining, and at
// least as many requests as the limiter sends in a window (where a
// bucket's burst slowly refills while the team sends just under its rate,
// the remaining climbs without any slot being free), varying by no more
// than spareSwing over the run.
func (l *AdaptiveLimiter) noteRoom(rl RateLimit) {
	perWindow := int(float64(l.window)/float64(l.slotWidth())) >> l.share
	if !l.informative || !rl.Present || rl.Remaining < max(spareRemaining, perWindow) {
		l.spareRun = 0
		return
	}
	if l.spareRun == 0 {
		l.spareLo, l.spareHi = rl.Remaining, rl.Remaining
	}
	l.spareLo, l.spareHi = min(l.spareLo, rl.Remaining), max(l.spareHi, rl.Remaining)
	if l.spareHi-l.spareLo > spareSwing {
		// A swing: start the run again from this answer.
		l.spareRun, l.spareLo, l.spareHi = 0, rl.Remaining, rl.Remaining
	}
	l.spareRun++
}

// win records an answer that was not a 429, for estimate.
func (l *AdaptiveLimiter) win(now time.Time) {
	if l.started.IsZero() {
		l.started = now
	}
	cut := now.Add(-time.Second)
	i := 0
	for i < len(l.wins) && !l.wins[i].After(cut) {
		i++
	}
	if len(l.wins)-i >= maxWins {
		i = len(l.wins) - maxWins + 1
	}
	l.wins = append(l.wins[i:], now)
}

// maxWins bounds the wins a limiter remembers: past 2^maxShare in a
// second, estimate has nothing more to say.
const maxWins = 1 << maxShare

// estimate is the share of the slots that this limiter's wins over the
// last second suggest when a 429 says the team's budget is spent: the
// team's limit per second over those wins, as a power of two. When
// x-ratelimit-remaining counts a window (informative), a 429 means the
// window holds the whole limit, and the nearest power is taken; when the
// header says nothing (a spacing server), the team may have used less
// than the limit so far (only one request at the very start), and the
// estimate rounds down, so that it never takes the limiter below its
// fair share. It applies to the per-second limit only, the one that
// x-ratelimit-limit describes.
func (l *AdaptiveLimiter) estimate(now time.Time, limit int) int {
	if l.window != time.Second || l.started.IsZero() || limit <= 0 {
		return 0
	}
	cut := now.Add(-time.Second)
	wins := 0
	for _, w := range l.wins {
		if w.After(cut) {
			wins++
		}
	}
	team, round := float64(limit), math.Round
	if !l.informative {
		team, round = min(team, 1+team*now.Sub(l.started).Seconds()), math.Floor
	}
	return min(int(round(math.Log2(team/float64(max(wins, 1))))), maxShare)
}

// learnLimit lets x-ratelimit-limit slow the limiter below its configured
// rate (for the per-second limit, which is the one the header describes),
// and lets that lower limit lapse once answers stop confirming it.
func (l *AdaptiveLimiter) learnLimit(header http.Header) {
	if l.window != time.Second {
		return
	}
	floor := l.floor
	if limit := rateLimitFrom(header); limit.Limit > 0 {
		l.unconfirmed = 0
		floor = max(l.base, intervalFor(float64(limit.Limit), time.Second))
	} else if l.unconfirmed++; l.unconfirmed >= learnedLimitLapse {
		floor = l.base
	}
	if floor != l.floor {
		// The share of slots carries over to the new grid.
		l.floor = floor
		if !l.next.IsZero() {
			l.next = l.align(l.next)
		}
	}
}

// gap is the current interval between two requests.
func (l *AdaptiveLimiter) gap() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.period()
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

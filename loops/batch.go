package loops

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"golang.org/x/time/rate"
)

// Batch defaults.
const (
	// DefaultItemRetries bounds how often a safe-to-repeat batch item is
	// sent again after a 5xx or a transport error. 429s do not count: a
	// batch item rate limited by Loops waits its turn for as long as the
	// job's ctx allows.
	DefaultItemRetries = 8
	// maxBatchWorkers caps the items in flight at once. One process at
	// Loops' 10 requests a second needs two (one waiting at the limiter
	// while one is on the wire); more only help when each request takes
	// longer than the interval between two.
	maxBatchWorkers = 16
	// progressEvery throttles progress reports for a bar to redraw.
	progressEvery = 100 * time.Millisecond
)

// ErrNotAttempted marks the result of an item that a stopped batch read but
// never sent (its error also matches the ctx error that stopped the job).
var ErrNotAttempted = errors.New("loops: batch item not attempted")

// BatchCall is one call of a batch job: an SDK method such as
// client.Events.Send, or a closure around any call. It must pass opts on
// to the SDK call, which carries the item's pacing, retries and derived
// idempotency key.
type BatchCall[T any] func(ctx context.Context, item T, opts ...CallOption) error

// BatchResult is the outcome of one item.
type BatchResult struct {
	// Index is the item's position in the input, from 0.
	Index int
	// Key is the item's key: the caller's, or Index in decimal when the
	// caller gave none.
	Key string
	// Err is nil when the item succeeded. An item a stopped job never sent
	// has an error matching [ErrNotAttempted] and the ctx error.
	Err error
	// Attempts is how many requests the item took, retries included; 0
	// when nothing was sent (not attempted, or refused locally with a
	// [*ValidationError]).
	Attempts int
	// Deduplicated is true for a send Loops had already processed under
	// the item's derived idempotency key (a re-run job, see [WithJobID]):
	// it succeeded and nothing was sent twice.
	Deduplicated bool
}

// BatchProgress is a job's progress, reported to [WithProgress].
type BatchProgress struct {
	// Done counts the items finished: succeeded, failed or skipped.
	Done int
	// Failed and Skipped count those of Done that failed or were skipped.
	Failed, Skipped int
	// Total is the number of items, when given with [WithTotal]; else 0.
	Total int
	// Elapsed is the time since the job started.
	Elapsed time.Duration
	// Rate is the items attempted per second so far (skipped ones aside).
	Rate float64
	// Remaining estimates the time left, when Total is known; else 0.
	Remaining time.Duration
}

// BatchSummary is what a job did, returned when it ends.
type BatchSummary struct {
	// Read counts the items taken from the input.
	Read int
	// Succeeded counts the items that succeeded, Deduplicated those of
	// them that Loops had already processed.
	Succeeded, Deduplicated int
	// Failed counts the items that failed after their retries.
	Failed int
	// Skipped counts the items skipped by [WithResumeAt] or [WithSkip].
	Skipped int
	// NotAttempted counts the items read but never sent because the job
	// stopped; items after Resume that have no result were not read.
	NotAttempted int
	// Requests counts the requests sent, retries included.
	Requests int
	// Elapsed is the job's duration.
	Elapsed time.Duration
	// Resume is the index to resume from: every item before it has a
	// final result. Pass it to [WithResumeAt] to run the rest.
	Resume int
}

// String describes the summary in one line.
func (s *BatchSummary) String() string {
	rate := 0.0
	if s.Elapsed > 0 {
		rate = float64(s.Succeeded+s.Failed) / s.Elapsed.Seconds()
	}
	return fmt.Sprintf("%d read: %d succeeded (%d deduplicated), %d failed, %d skipped, %d not attempted; %d requests in %v (%.2f items/s); resume at %d",
		s.Read, s.Succeeded, s.Deduplicated, s.Failed, s.Skipped, s.NotAttempted, s.Requests, s.Elapsed.Round(time.Millisecond), rate, s.Resume)
}

// BatchOption configures a batch job.
type BatchOption func(*batchConfig) error

type batchConfig struct {
	jobID       string
	total       int
	resumeAt    int
	skip        func(key string) bool
	onResult    func(BatchResult)
	onProgress  func(BatchProgress)
	checkpoint  func(resume int) error
	stopOnError bool
	itemRetries int
}

// WithJobID names the job, so that each send's Idempotency-Key derives from
// the job ID and the item's key. Re-running the same job within Loops' 24
// hours then turns every send the first run completed into a deduplicated
// success instead of a second email. Give each distinct job its own ID (and
// each item a key stable across runs); calls that take no key ignore it.
func WithJobID(id string) BatchOption {
	return func(c *batchConfig) error {
		if id == "" || hasControl(id) {
			return errors.New("loops: WithJobID: want a non-empty ID without control characters")
		}
		c.jobID = id
		return nil
	}
}

// WithTotal says how many items the input holds, for progress and ETA.
func WithTotal(n int) BatchOption {
	return func(c *batchConfig) error {
		if n < 0 {
			return errors.New("loops: WithTotal: must not be negative")
		}
		c.total = n
		return nil
	}
}

// WithResumeAt skips the first n items (a previous run's
// [BatchSummary.Resume] or checkpoint): they are read but not sent.
func WithResumeAt(n int) BatchOption {
	return func(c *batchConfig) error {
		if n < 0 {
			return errors.New("loops: WithResumeAt: must not be negative")
		}
		c.resumeAt = n
		return nil
	}
}

// WithSkip skips every item for which done(key) is true, such as the keys
// a previous run recorded through [WithResults].
func WithSkip(done func(key string) bool) BatchOption {
	return func(c *batchConfig) error { c.skip = done; return nil }
}

// WithResults calls f with each item's result as it finishes (in
// completion order, one call at a time; skipped items report none).
func WithResults(f func(BatchResult)) BatchOption {
	return func(c *batchConfig) error { c.onResult = f; return nil }
}

// WithProgress calls f with the job's progress at most every 100 ms while
// items finish, and once at the end (one call at a time).
func WithProgress(f func(BatchProgress)) BatchOption {
	return func(c *batchConfig) error { c.onProgress = f; return nil }
}

// WithCheckpoint calls save with the index to resume from each time it
// advances (every item before it has a final result), and once at the
// end. An error from save stops the job, and the job returns it.
func WithCheckpoint(save func(resume int) error) BatchOption {
	return func(c *batchConfig) error { c.checkpoint = save; return nil }
}

// WithStopOnError stops the job at the first failed item: no further item
// starts, those in flight finish.
func WithStopOnError() BatchOption {
	return func(c *batchConfig) error { c.stopOnError = true; return nil }
}

// WithItemRetries bounds how often a safe-to-repeat item is retried after
// 5xx answers and transport errors (default [DefaultItemRetries]). Items
// whose repetition is unsafe keep the client's rules; no item ever fails
// on 429 while the job's ctx allows waiting.
func WithItemRetries(n int) BatchOption {
	return func(c *batchConfig) error {
		if n < 0 {
			return errors.New("loops: WithItemRetries: must not be negative")
		}
		c.itemRetries = n
		return nil
	}
}

// Keyed pairs each request of seq with key(request), the form batch jobs
// take. A nil key, or an empty key, stands for the item's index.
func Keyed[T any](seq iter.Seq[T], key func(T) string) iter.Seq2[string, T] {
	return func(yield func(string, T) bool) {
		for v := range seq {
			k := ""
			if key != nil {
				k = key(v)
			}
			if !yield(k, v) {
				return
			}
		}
	}
}

// UpdateBatch upserts every contact of items (key → request) with
// [RunBatch]; keys are typically the email or user ID.
func (s *ContactsService) UpdateBatch(ctx context.Context, items iter.Seq2[string, *ContactUpdateRequest], opts ...BatchOption) (*BatchSummary, error) {
	return RunBatch(ctx, clientOf(s), items, func(ctx context.Context, r *ContactUpdateRequest, o ...CallOption) error {
		_, err := s.Update(ctx, r, o...)
		return err
	}, opts...)
}

// SendBatch sends every event of items (key → request) with [RunBatch].
// With [WithJobID], a re-run never sends an event twice.
func (s *EventsService) SendBatch(ctx context.Context, items iter.Seq2[string, *EventRequest], opts ...BatchOption) (*BatchSummary, error) {
	return RunBatch(ctx, clientOf(s), items, s.Send, opts...)
}

// SendBatch sends every transactional email of items (key → request) with
// [RunBatch]. With [WithJobID], a re-run never sends an email twice.
func (s *TransactionalService) SendBatch(ctx context.Context, items iter.Seq2[string, *TransactionalRequest], opts ...BatchOption) (*BatchSummary, error) {
	return RunBatch(ctx, clientOf(s), items, s.Send, opts...)
}

// RunBatch runs call for every item of items (key → request), reading them
// one at a time, so that a million rows never sit in memory, and returns
// what it did. It chooses its own concurrency from c's limiter and the
// answers' latency. A failed item never stops the others (unless
// [WithStopOnError]); its result says why. Rate-limited items wait their
// turn for as long as ctx allows, and safe-to-repeat ones are retried on
// 5xx and transport errors up to [WithItemRetries].
//
// The error is nil when the job ran through its input, whatever the items'
// outcomes; otherwise it says why the job stopped (ctx, a checkpoint error,
// [WithStopOnError]), and the summary, always returned, says where to
// resume. A bad option is refused before anything is sent.
func RunBatch[T any](ctx context.Context, c *Client, items iter.Seq2[string, T], call BatchCall[T], opts ...BatchOption) (*BatchSummary, error) {
	cfg := batchConfig{itemRetries: DefaultItemRetries}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if c == nil || items == nil || call == nil {
		return nil, invalid("RunBatch", "client, items and call", "must not be nil")
	}
	j := &batchJob{ctx: ctx, cfg: &cfg, gap: limiterGap(c.pipe.limiter), start: time.Now(), finished: map[int]bool{}}
	results := make(chan outcome)
	inflight, index := 0, -1
	for key, item := range items {
		index++
		if key == "" {
			key = strconv.Itoa(index)
		}
		if index < cfg.resumeAt || cfg.skip != nil && cfg.skip(key) {
			j.finish(outcome{BatchResult: BatchResult{Index: index, Key: key}}, true)
			if j.stop != nil {
				break
			}
			continue
		}
		for inflight >= j.workers() && j.stop == nil {
			j.finish(<-results, false)
			inflight--
		}
		if j.stop == nil && ctx.Err() != nil {
			j.stop = ctx.Err()
		}
		if j.stop != nil {
			j.finish(outcome{BatchResult: BatchResult{Index: index, Key: key, Err: fmt.Errorf("%w: %w", ErrNotAttempted, j.stop)}}, false)
			break
		}
		inflight++
		go func(index int) { results <- runItem(ctx, j, index, key, item, call) }(index)
	}
	for ; inflight > 0; inflight-- {
		j.finish(<-results, false)
	}
	return j.end()
}

// batchJob is a running job's state, owned by RunBatch's goroutine: items
// run in goroutines of their own and hand their results back to it.
type batchJob struct {
	ctx      context.Context // the caller's
	cfg      *batchConfig
	gap      time.Duration // the limiter's interval between requests; 0: no limit
	latency  time.Duration // a moving average of one attempt's duration
	start    time.Time
	sum      BatchSummary
	finished map[int]bool // finished items at or after sum.Resume
	saved    int          // the last Resume given to the checkpoint
	reported time.Time    // the last progress report
	stop     error        // why the job stops; nil while it runs
}

// workers is how many items may be in flight: enough to keep the limiter's
// pace through each request's latency, plus the one waiting at the limiter.
func (j *batchJob) workers() int {
	if j.gap <= 0 {
		return maxBatchWorkers
	}
	return min(maxBatchWorkers, 2+int(j.latency/j.gap))
}

// runItem makes one item's call, in a goroutine of its own.
func runItem[T any](ctx context.Context, j *batchJob, index int, key string, item T, call BatchCall[T]) outcome {
	b := &batchItem{retries: j.cfg.itemRetries}
	if j.cfg.jobID != "" {
		b.key = deriveKey(j.cfg.jobID, key)
	}
	err := call(ctx, item, b.option())
	r := BatchResult{Index: index, Key: key, Attempts: b.attempts, Deduplicated: b.info.Deduplicated}
	switch {
	case err == nil:
	case b.key != "" && errors.Is(err, ErrIdempotencyKeyReused):
		// The key is this item's in this job: an earlier run sent it.
		r.Deduplicated = true
	case b.attempts == 0 && (ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded)):
		// Cancelled, or refused by the limiter because its next slot lies
		// past the deadline: no later item would fare better.
		cause := cmp.Or(ctx.Err(), context.DeadlineExceeded)
		r.Err = fmt.Errorf("%w: %w", ErrNotAttempted, cause)
		return outcome{r, b.busy, cause}
	default:
		r.Err = err
	}
	return outcome{r, b.busy, nil}
}

// outcome is an item's result, the time its attempts took, and why the
// job must stop, if it must.
type outcome struct {
	BatchResult
	busy time.Duration
	stop error
}

// batchItem is how one batch item's call differs from a plain call; the
// pipeline reads and updates it through callState.batch.
type batchItem struct {
	key      string        // the derived Idempotency-Key for a send, "" for none
	retries  int           // retries after 5xx and transport errors; 429s wait without counting
	attempts int           // requests sent
	busy     time.Duration // time spent in attempts
	info     ResponseInfo
}

func (b *batchItem) option() CallOption {
	return callOption(func(st *callState) { st.batch, st.info = b, &b.info })
}

// deriveKey is an item's Idempotency-Key: a digest of the job ID and the
// item's key, the same on every run, within Loops' 100 characters whatever
// their lengths, and free of the item key's content (often an email).
func deriveKey(job, key string) string {
	h := sha256.New()
	h.Write([]byte(job))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return "batch-" + hex.EncodeToString(h.Sum(nil))
}

// finish records an item's result: counts, the result callback, the
// resume point and checkpoint, progress.
func (j *batchJob) finish(o outcome, skipped bool) {
	r, s := o.BatchResult, &j.sum
	s.Read++
	s.Requests += r.Attempts
	// An item not attempted, or cut short by the job's ctx, is not final:
	// a resumed job runs it again (safely: upserts repeat, sends carry
	// their derived key).
	// A 429 ends an item only when its wait would outlive the deadline.
	interrupted := errors.Is(r.Err, ErrNotAttempted) || errors.Is(r.Err, ErrRateLimited) ||
		r.Err != nil && j.ctx.Err() != nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded))
	if o.stop != nil && j.stop == nil {
		j.stop = o.stop
	}
	switch {
	case skipped:
		s.Skipped++
	case errors.Is(r.Err, ErrNotAttempted):
		s.NotAttempted++
	case r.Err != nil:
		s.Failed++
	default:
		s.Succeeded++
		if r.Deduplicated {
			s.Deduplicated++
		}
	}
	if o.busy > 0 && r.Attempts > 0 {
		j.latency += (o.busy/time.Duration(r.Attempts) - j.latency) / 8
	}
	if !skipped && j.cfg.onResult != nil {
		j.cfg.onResult(r)
	}
	if r.Err != nil && !interrupted && j.cfg.stopOnError && j.stop == nil {
		j.stop = fmt.Errorf("loops: batch stopped at item %d (key %q): %w", r.Index, r.Key, r.Err)
	}
	if !interrupted {
		j.finished[r.Index] = true
		for j.finished[s.Resume] {
			delete(j.finished, s.Resume)
			s.Resume++
		}
	}
	if j.cfg.checkpoint != nil && s.Resume != j.saved {
		j.saved = s.Resume
		if err := j.cfg.checkpoint(s.Resume); err != nil && j.stop == nil {
			j.stop = fmt.Errorf("loops: batch checkpoint: %w", err)
		}
	}
	j.progress(false)
}

// progress reports to WithProgress, at most every progressEvery but for
// the last report.
func (j *batchJob) progress(last bool) {
	if j.cfg.onProgress == nil {
		return
	}
	now := time.Now()
	if !last && now.Sub(j.reported) < progressEvery {
		return
	}
	j.reported = now
	s := &j.sum
	p := BatchProgress{Done: s.Succeeded + s.Failed + s.Skipped, Failed: s.Failed, Skipped: s.Skipped, Total: j.cfg.total, Elapsed: now.Sub(j.start)}
	if attempted := s.Succeeded + s.Failed; attempted > 0 && p.Elapsed > 0 {
		p.Rate = float64(attempted) / p.Elapsed.Seconds()
		if left := p.Total - p.Done; left > 0 {
			p.Remaining = time.Duration(float64(left) / p.Rate * float64(time.Second))
		}
	}
	j.cfg.onProgress(p)
}

// limiterGap is the interval a limiter keeps between requests: from the
// limiter itself when it says, Loops' default limit when it does not, 0
// for none.
func limiterGap(l Limiter) time.Duration {
	switch l := l.(type) {
	case nil:
		return 0
	case *AdaptiveLimiter:
		return l.gap()
	case *rate.Limiter:
		if lim := l.Limit(); lim > 0 && lim != rate.Inf {
			return time.Duration(float64(time.Second) / float64(lim))
		}
		return 0
	}
	return time.Second / DefaultRequestsPerSecond
}

// end reports the last checkpoint and progress and returns the summary.
func (j *batchJob) end() (*BatchSummary, error) {
	j.sum.Elapsed = time.Since(j.start)
	if j.cfg.checkpoint != nil && j.saved != j.sum.Resume {
		if err := j.cfg.checkpoint(j.sum.Resume); err != nil && j.stop == nil {
			j.stop = fmt.Errorf("loops: batch checkpoint: %w", err)
		}
	}
	j.progress(true)
	return &j.sum, j.stop
}

package loops_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// Batch jobs run in synctest bubbles against the in-process fake, with each
// client's default limiter: virtual time measures their pace exactly.

// batchClient returns a fake enforcing srvOpts and a client of it with its
// defaults (limiter, retries), over the in-process transport.
func batchClient(t *testing.T, srv *loopstest.Server, opts ...loops.Option) *loops.Client {
	t.Helper()
	c, err := loops.NewClient(srv.APIKey(), append([]loops.Option{loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// events yields n event sends keyed by their email, user0 to user<n-1>.
func events(n int) iter.Seq2[string, *loops.EventRequest] {
	return func(yield func(string, *loops.EventRequest) bool) {
		for i := range n {
			email := fmt.Sprintf("user%d@example.com", i)
			if !yield(email, &loops.EventRequest{Email: new(email), EventName: "imported"}) {
				return
			}
		}
	}
}

// deliveries counts the events the fake processed per email.
func deliveries(srv *loopstest.Server) map[string]int {
	got := map[string]int{}
	for _, e := range srv.Events() {
		got[e.Email]++
	}
	return got
}

// 500 sends at Loops' 10 a second, 52 s of virtual time: all succeed, at
// 9.5 items a second or better, each with one result, progress reaching the
// total and the checkpoint at the end. (1,000 sends showed the same 9.60
// items a second at twice the cost under the race detector: the fake's
// contact lookups grow with the contacts it holds.)
func TestBatchKeepsThePace(t *testing.T) {
	const n = 500
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithRateModel(loopstest.TokenBucket(10, time.Second, 1)))
		c := batchClient(t, srv)
		var (
			seen     = map[int]bool{}
			last     loops.BatchProgress
			reports  int
			resumeAt int
		)
		start := time.Now()
		sum, err := c.Events.SendBatch(t.Context(), events(n),
			loops.WithTotal(n),
			loops.WithResults(func(r loops.BatchResult) {
				if r.Err != nil || r.Attempts != 1 || seen[r.Index] || r.Key != fmt.Sprintf("user%d@example.com", r.Index) {
					t.Errorf("result %+v (seen before: %v)", r, seen[r.Index])
				}
				seen[r.Index] = true
			}),
			loops.WithProgress(func(p loops.BatchProgress) { last, reports = p, reports+1 }),
			loops.WithCheckpoint(func(resume int) error { resumeAt = resume; return nil }))
		if err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(start)
		rate := n / elapsed.Seconds()
		t.Logf("%v; %.2f items/s; %d progress reports", sum, rate, reports)
		if sum.Succeeded != n || sum.Failed != 0 || sum.Requests != n || len(seen) != n {
			t.Errorf("summary %v, %d results; want %d succeeded in %d requests", sum, len(seen), n, n)
		}
		if rate < 9.5 {
			t.Errorf("%.2f items/s, want at least 9.5", rate)
		}
		if last.Done != n || last.Total != n || last.Remaining != 0 || last.Rate < 9.5 || reports < 100 {
			t.Errorf("last progress %+v after %d reports", last, reports)
		}
		if resumeAt != n || sum.Resume != n {
			t.Errorf("checkpoint %d, summary resume %d; want %d", resumeAt, sum.Resume, n)
		}
		if got := len(deliveries(srv)); got != n {
			t.Errorf("%d distinct deliveries, want %d", got, n)
		}
	})
}

// A job cancelled half-way reports what it did not attempt; re-run from
// its checkpoint, and again from the start as if the checkpoint were lost,
// it completes without a single send delivered twice.
func TestBatchResumesWithoutSendingTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		c := batchClient(t, srv)
		ctx, cancel := context.WithCancel(t.Context())
		done, resume := 0, 0
		first, err := c.Events.SendBatch(ctx, events(200), loops.WithJobID("import-2026-12-06"),
			loops.WithResults(func(r loops.BatchResult) {
				if done++; done == 100 {
					cancel()
				}
			}),
			loops.WithCheckpoint(func(n int) error { resume = n; return nil }))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled job: err = %v, want context.Canceled", err)
		}
		t.Logf("first run: %v", first)
		// The limiter does not serve waiters in order: items after the
		// resume point may be done already (the re-run deduplicates them).
		if first.NotAttempted == 0 || first.Succeeded < 100 || first.Resume != resume || resume > first.Succeeded || resume < 90 {
			t.Errorf("first run: %v, checkpoint %d; want some not attempted, the checkpoint at the successes", first, resume)
		}

		second, err := c.Events.SendBatch(t.Context(), events(200), loops.WithJobID("import-2026-12-06"), loops.WithResumeAt(resume))
		if err != nil {
			t.Fatal(err)
		}
		if second.Skipped != resume || second.Succeeded != 200-resume || second.Failed != 0 {
			t.Errorf("resumed run: %v", second)
		}
		third, err := c.Events.SendBatch(t.Context(), events(200), loops.WithJobID("import-2026-12-06"))
		if err != nil {
			t.Fatal(err)
		}
		if third.Succeeded != 200 || third.Deduplicated != 200 {
			t.Errorf("re-run from the start: %v; want 200 deduplicated successes", third)
		}
		got := deliveries(srv)
		for i := range 200 {
			if n := got[fmt.Sprintf("user%d@example.com", i)]; n != 1 {
				t.Errorf("user%d delivered %d times", i, n)
			}
		}
	})
}

// A second client that ignores the limit storms the team for 20 s: the
// batch's items meet 429 after 429, longer than a plain call's retries
// last, and not one fails for it.
func TestBatchRidesOutA429Storm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener(), loopstest.WithRateModel(loopstest.TokenBucket(10, time.Second, 1)))
		c := batchClient(t, srv)
		rival := batchClient(t, srv, loops.WithoutRateLimit(), loops.WithMaxRetries(0))
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 200 { // 80 requests a second for 20 s
					_ = sendNumbered(t.Context(), rival, 10_000+200*g+i)
					time.Sleep(100 * time.Millisecond) // fake time: the synctest bubble
				}
			})
		}
		most := 0 // attempts of the unluckiest item
		sum, err := c.Events.SendBatch(t.Context(), events(100), loops.WithResults(func(r loops.BatchResult) { most = max(most, r.Attempts) }))
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v; the unluckiest item took %d attempts", sum, most)
		if sum.Failed != 0 || sum.Succeeded != 100 {
			t.Errorf("%v: want 100 succeeded, none failed", sum)
		}
		if most <= loops.DefaultMaxRetries+1 {
			t.Errorf("no item met more 429s than a plain call's %d retries allow: the storm proves nothing", loops.DefaultMaxRetries)
		}
	})
}

// Safe-to-repeat items retry 5xx up to WithItemRetries, then fail alone;
// the others go on.
func TestBatchRetriesSafeItemsUpToTheirBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		c := batchClient(t, srv, loops.WithBackoff(time.Millisecond, time.Millisecond, 0))
		faults := slices.Repeat([]loopstest.Fault{loopstest.Status(503)}, 5)
		srv.Inject("PUT /v1/contacts/update", faults...)
		contacts := loops.Keyed(slices.Values([]*loops.ContactUpdateRequest{
			{Email: new("a@example.com")}, {Email: new("b@example.com")}, {Email: new("c@example.com")},
		}), func(r *loops.ContactUpdateRequest) string { return *r.Email })
		var results []loops.BatchResult
		sum, err := c.Contacts.UpdateBatch(t.Context(), contacts, loops.WithItemRetries(2),
			loops.WithResults(func(r loops.BatchResult) { results = append(results, r) }))
		if err != nil {
			t.Fatal(err)
		}
		if sum.Failed != 1 || sum.Succeeded != 2 {
			t.Fatalf("%v; want one item failed after its 3 attempts, two succeeded", sum)
		}
		for _, r := range results {
			if r.Err != nil && (r.Attempts != 3 || !errors.Is(r.Err, loops.ErrServerError)) {
				t.Errorf("failed item %+v: want 3 attempts ending in a server error", r)
			}
		}
		if len(srv.Contacts()) != 2 {
			t.Errorf("%d contacts stored, want 2", len(srv.Contacts()))
		}
	})
}

// WithStopOnError stops at the first failure; WithSkip skips by key; bad
// options are refused before anything is sent.
func TestBatchStopsSkipsAndRefuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		c := batchClient(t, srv)
		bad := loops.Keyed(slices.Values([]*loops.EventRequest{
			{Email: new("a@example.com"), EventName: "x"}, {EventName: "no recipient"}, {Email: new("c@example.com"), EventName: "x"},
			{Email: new("d@example.com"), EventName: "x"},
		}), nil)
		sum, err := c.Events.SendBatch(t.Context(), bad, loops.WithStopOnError())
		if !errors.Is(err, loops.ErrInvalidInput) || sum.Failed != 1 || sum.Read == 4 && sum.Succeeded == 3 {
			t.Errorf("stop on error: %v, %v", err, sum)
		}
		if sum.Resume < 2 || sum.Resume > 4 {
			t.Errorf("resume at %d after the failure at item 1", sum.Resume)
		}

		srv2 := loopstest.NewServer(t, loopstest.WithoutListener())
		c2 := batchClient(t, srv2)
		sum, err = c2.Events.SendBatch(t.Context(), events(10), loops.WithSkip(func(key string) bool { return strings.HasPrefix(key, "user1") }))
		if err != nil || sum.Skipped != 1 || sum.Succeeded != 9 || sum.Resume != 10 || len(srv2.Events()) != 9 {
			t.Errorf("skip: %v, %v", err, sum)
		}
		for _, opt := range []loops.BatchOption{loops.WithJobID(""), loops.WithTotal(-1), loops.WithResumeAt(-1), loops.WithItemRetries(-1)} {
			if _, err := c2.Events.SendBatch(t.Context(), events(1), opt); err == nil {
				t.Error("a bad option was accepted")
			}
		}
		if _, err := loops.RunBatch[int](t.Context(), c2, nil, nil); !errors.Is(err, loops.ErrInvalidInput) {
			t.Errorf("nil items and call: %v", err)
		}
		if len(srv2.Events()) != 9 {
			t.Errorf("a refused job sent something")
		}
	})
}

// Cancelled while items wait at the limiter, a job ends at once and names
// the items it did not attempt.
func TestBatchReportsWhatItDidNotAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		c := batchClient(t, srv)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		var notAttempted []int
		sum, err := c.Events.SendBatch(ctx, events(100), loops.WithResults(func(r loops.BatchResult) {
			if errors.Is(r.Err, loops.ErrNotAttempted) {
				if !errors.Is(r.Err, context.DeadlineExceeded) || r.Attempts != 0 {
					t.Errorf("not attempted: %+v", r)
				}
				notAttempted = append(notAttempted, r.Index)
			}
		}))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if len(notAttempted) == 0 || len(notAttempted) != sum.NotAttempted || sum.Succeeded+sum.Failed+sum.NotAttempted != sum.Read {
			t.Errorf("%v; not attempted %v", sum, notAttempted)
		}
		if sum.Succeeded != len(srv.Events()) || sum.Resume > sum.Succeeded {
			t.Errorf("%v; %d delivered", sum, len(srv.Events()))
		}
	})
}

// okTransport answers every request at once with {"success":true}, so that
// a benchmark measures the client and the batch, not a server's records.
type okTransport struct{}

func (okTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	const body = `{"success":true}`
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
}

// BenchmarkBatchMemory streams 100,000 event sends through SendBatch (no
// rate limit, an instant in-process answer) and reports the bytes
// allocated per item and how far the live heap grew between the 10,000th
// and the 100,000th item, per item: a batch that kept items or results
// would grow by their size; a streaming one stays flat (about 0).
func BenchmarkBatchMemory(b *testing.B) {
	const n = 100_000
	c, err := loops.NewClient("key", loops.WithBaseURL("http://loops.test/api"), loops.WithoutRateLimit(),
		loops.WithHTTPClient(&http.Client{Transport: okTransport{}}))
	if err != nil {
		b.Fatal(err)
	}
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var growth, perItem float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var at10k uint64
		done := 0
		sum, err := c.Events.SendBatch(b.Context(), events(n), loops.WithJobID("bench"), loops.WithResults(func(loops.BatchResult) {
			if done++; done == 10_000 {
				at10k = heap()
			}
		}))
		if err != nil || sum.Succeeded != n {
			b.Fatalf("%v, %v", sum, err)
		}
		runtime.ReadMemStats(&after)
		perItem = float64(after.TotalAlloc-before.TotalAlloc) / n
		growth = (float64(heap()) - float64(at10k)) / (n - 10_000)
	}
	b.ReportMetric(perItem, "alloc-B/item")
	b.ReportMetric(growth, "heap-B/item")
}

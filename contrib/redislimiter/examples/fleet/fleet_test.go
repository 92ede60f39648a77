package main

import (
	"errors"
	"os"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the fleet's child processes.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := child(); err != nil {
			os.Stderr.WriteString("fleet child: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Four processes against 10 requests a second for the team: sharing the
// Redis limiter, no send fails and 429s are rare; each with its client's
// default limiter and no shared state, no send fails either, though the
// limiters pay some 429s to find their shares (where, before they learned
// to, a third of the sends failed). How close the shared fleet comes to
// the ceiling, and how rare its 429s are over a long run (under 5 %), are
// speed goals, measured by BenchmarkFleet (and make fleet): here only
// gross bounds guard against a limiter that serialises far below the
// limit, or that does not share the pace.
//
// The two fleets run side by side, each against a fake server of its
// own, and briefly: every send started runs to its end, retries included,
// so the default limiters' first storm of 429s (where sends used to fail)
// is in, and their last sends, at the small shares the storm left them,
// take seconds; the shared fleet, whose sends return sooner, sends for
// longer in the meantime.
func TestFleet(t *testing.T) {
	url := redisURL(t)
	const procs = 4
	var redisFleet, alone result
	var redisErr, aloneErr error
	var wg sync.WaitGroup
	wg.Go(func() { redisFleet, redisErr = runFleet(os.Args[0], procs, 2*time.Second, url, shared) })
	wg.Go(func() { alone, aloneErr = runFleet(os.Args[0], procs, time.Second, url, ownDefault) })
	wg.Wait()
	if err := errors.Join(redisErr, aloneErr); err != nil {
		t.Fatal(err)
	}
	for _, r := range []result{alone, redisFleet} {
		t.Logf("%s: %d ok, %d failed, %d of %d requests 429 (%.1f %%), %.2f ok/s", r.Mode, r.OK, r.Failed, r.Refused, r.Requests, 100*r.refusedShare(), r.perSecond())
	}
	if redisFleet.Failed != 0 {
		t.Errorf("shared limiter: %d sends failed, want 0", redisFleet.Failed)
	}
	// A fleet that does not share its pace meets a 429 on a third of its
	// requests or more, as the default limiters beside it show. The shared
	// one meets few (a request that reaches the server a few milliseconds
	// late for its slot, on a loaded machine under -race, costs the next
	// one a 429), but too few requests fit in this run for a finer bound
	// to hold on every run.
	if redisFleet.refusedShare() >= 0.15 {
		t.Errorf("shared limiter: %d of %d requests met 429 (%.1f %%), want under 15 %%", redisFleet.Refused, redisFleet.Requests, 100*redisFleet.refusedShare())
	}
	if redisFleet.perSecond() < 0.5*ceiling {
		t.Errorf("shared limiter: %.2f ok/s, under half the ceiling of %d", redisFleet.perSecond(), ceiling)
	}
	if alone.Failed != 0 {
		t.Errorf("default limiters: %d sends failed, want 0", alone.Failed)
	}
}

// BenchmarkFleet runs the shared fleet (4 processes, 8 s) once per
// iteration and reports its throughput against the 10/s ceiling and the
// share of requests that met a 429. Run it with -benchtime=1x. (The fleet
// of default limiters without Redis is measured in virtual time by the
// loops package's BenchmarkFleetWithoutSharedState and
// TestFleetOfDefaultLimiters.)
func BenchmarkFleet(b *testing.B) {
	url := redisURL(b)
	var okPerSec, refused float64
	for b.Loop() {
		r, err := runFleet(os.Args[0], 4, 8*time.Second, url, shared)
		if err != nil {
			b.Fatal(err)
		}
		okPerSec, refused = r.perSecond(), 100*r.refusedShare()
	}
	b.ReportMetric(okPerSec, "ok/s")
	b.ReportMetric(100*okPerSec/ceiling, "%-of-ceiling")
	b.ReportMetric(refused, "%-429")
}

func redisURL(tb testing.TB) string {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		tb.Fatal("REDIS_URL is not set: run `make test` at the repository root, which starts redis-server")
	}
	return url
}

package main

import (
	"os"
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
// the ceiling is a speed goal, measured by BenchmarkFleet (and make
// fleet): here only a gross bound guards against a limiter that
// serialises far below the limit.
func TestFleet(t *testing.T) {
	url := redisURL(t)
	const procs, d = 4, 5 * time.Second
	redisFleet, err := runFleet(os.Args[0], procs, d, url, shared)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := runFleet(os.Args[0], procs, d, url, ownDefault)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []result{alone, redisFleet} {
		t.Logf("%s: %d ok, %d failed, %d of %d requests 429 (%.1f %%), %.2f ok/s", r.Mode, r.OK, r.Failed, r.Refused, r.Requests, 100*r.refusedShare(), r.perSecond())
	}
	if redisFleet.Failed != 0 {
		t.Errorf("shared limiter: %d sends failed, want 0", redisFleet.Failed)
	}
	if redisFleet.refusedShare() >= 0.05 {
		t.Errorf("shared limiter: %.1f %% of requests met 429, want under 5 %%", 100*redisFleet.refusedShare())
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

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
// Redis limiter, no send fails, the fleet reaches 90 % of the ceiling and
// under 1 % of requests meet a 429; each pacing itself, the same fleet
// draws a 429 storm.
func TestFleet(t *testing.T) {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		t.Fatal("REDIS_URL is not set: run `make test` at the repository root, which starts redis-server")
	}
	const procs, d = 4, 5 * time.Second
	shared, err := runFleet(os.Args[0], procs, d, url, true)
	if err != nil {
		t.Fatal(err)
	}
	alone, err := runFleet(os.Args[0], procs, d, url, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []result{alone, shared} {
		t.Logf("shared=%v: %d ok, %d failed, %d of %d requests 429 (%.1f %%), %.2f ok/s", r.Shared, r.OK, r.Failed, r.Refused, r.Requests, 100*r.refusedShare(), r.perSecond())
	}
	if shared.Failed != 0 {
		t.Errorf("shared limiter: %d sends failed, want 0", shared.Failed)
	}
	if shared.perSecond() < 0.9*ceiling {
		t.Errorf("shared limiter: %.2f ok/s, want at least 90 %% of %d", shared.perSecond(), ceiling)
	}
	if shared.refusedShare() >= 0.01 {
		t.Errorf("shared limiter: %.1f %% of requests met 429, want under 1 %%", 100*shared.refusedShare())
	}
	if alone.Refused < 10*max(shared.Refused, 1) {
		t.Errorf("without the shared limiter only %d 429s (shared: %d): the comparison shows no storm", alone.Refused, shared.Refused)
	}
}

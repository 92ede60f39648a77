// Command fleet compares the ways a fleet of processes can share one
// team's limit. It starts a fake Loops server that allows the team 10
// requests a second, then four processes that each send events as fast as
// their client lets them: first each with its client's default limiter
// (no shared state: the limiters find their shares from the 429s), then
// each limited to a quarter of the team's rate (WithRateLimit(10/N), no
// shared state either), then all sharing one limit in Redis. It prints
// the three side by side.
//
//	REDIS_URL=redis://127.0.0.1:6379/0 go run ./examples/fleet
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	if os.Getenv(childEnv) != "" {
		if err := child(); err != nil {
			fmt.Fprintln(os.Stderr, "fleet child:", err)
			os.Exit(1)
		}
		return
	}
	procs := flag.Int("procs", 4, "processes in the fleet")
	d := flag.Duration("duration", 8*time.Second, "how long each process sends")
	redisURL := flag.String("redis", os.Getenv("REDIS_URL"), "Redis URL (default $REDIS_URL)")
	flag.Parse()
	if *redisURL == "" {
		fmt.Fprintln(os.Stderr, "fleet: set REDIS_URL or -redis to a running Redis")
		os.Exit(2)
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
	var results []result
	for _, m := range []mode{ownDefault, ownSplit, shared} {
		r, err := runFleet(exe, *procs, *d, *redisURL, m)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fleet:", err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	fmt.Printf("%d processes, %v each, against 10 requests/s for the team (token bucket, burst 1)\n\n", *procs, *d)
	fmt.Printf("%-30s %8s %8s %8s %10s %12s\n", "limiter", "ok", "failed", "429s", "429 share", "ok/s (of 10)")
	for _, r := range results {
		fmt.Printf("%-30s %8d %8d %8d %9.1f%% %12.2f\n", r.Mode, r.OK, r.Failed, r.Refused, 100*r.refusedShare(), r.perSecond())
	}
}

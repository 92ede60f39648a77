// Command fleet shows why package redislimiter exists. It starts a fake
// Loops server that allows the team 10 requests a second, then four
// processes that each send events as fast as their client lets them:
// first each pacing itself (the 429 storm), then all sharing one limit in
// Redis. It prints both side by side.
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
	for _, shared := range []bool{false, true} {
		r, err := runFleet(exe, *procs, *d, *redisURL, shared)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fleet:", err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	fmt.Printf("%d processes, %v each, against 10 requests/s for the team (token bucket, burst 1)\n\n", *procs, *d)
	fmt.Printf("%-28s %8s %8s %8s %10s %12s\n", "limiter", "ok", "failed", "429s", "429 share", "ok/s (of 10)")
	for _, r := range results {
		name := "in-process, one per process"
		if r.Shared {
			name = "redislimiter, shared"
		}
		fmt.Printf("%-28s %8d %8d %8d %9.1f%% %12.2f\n", name, r.OK, r.Failed, r.Refused, 100*r.refusedShare(), r.perSecond())
	}
}

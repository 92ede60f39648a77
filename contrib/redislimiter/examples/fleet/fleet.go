package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loopsdev/loops-go/contrib/redislimiter"
	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
	"github.com/redis/go-redis/v9"
)

// childEnv marks a process started by runFleet as one of the senders.
const childEnv = "FLEET_CHILD"

// ceiling is what the fake server allows the whole team, per second.
const ceiling = 10

// mode is how each process of a fleet paces itself.
type mode string

const (
	// ownDefault: each process with its client's default limiter, no
	// shared state.
	ownDefault mode = "default limiter, no Redis"
	// ownSplit: each process with its own limiter at its share of the
	// team's rate, loops.WithRateLimit(10/procs).
	ownSplit mode = "WithRateLimit(10/N), no Redis"
	// shared: every process through one limit in Redis.
	shared mode = "redislimiter, shared"
)

// result is what one run of the fleet achieved, seen by the server.
type result struct {
	Mode     mode
	Procs    int
	Elapsed  time.Duration // from the server's first request to its last
	OK       int           // sends that succeeded
	Failed   int           // sends that failed after the client's retries
	Requests int           // requests the server saw, retries included
	Refused  int           // of those, answered 429
}

func (r result) perSecond() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

func (r result) refusedShare() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Refused) / float64(r.Requests)
}

// runFleet starts one fake Loops server enforcing 10 requests a second
// for the team (a token bucket of burst 1, the strictest model), then
// procs processes (exe, re-executed as children) that each send events
// for d through their own client, each pacing itself as m says (through
// the Redis limiter at redisURL for shared).
func runFleet(exe string, procs int, d time.Duration, redisURL string, m mode) (result, error) {
	srv := loopstest.New(loopstest.WithRateModel(loopstest.TokenBucket(ceiling, time.Second, 1)))
	defer srv.Close()
	prefix := fmt.Sprintf("loops:fleet:%d:", time.Now().UnixNano())
	outputs := make([]childResult, procs)
	errs := make([]error, procs)
	var wg sync.WaitGroup
	for i := range procs {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), childEnv+"=1",
			"FLEET_URL="+srv.URL(), "FLEET_KEY="+srv.APIKey(), "FLEET_REDIS="+redisURL,
			"FLEET_PREFIX="+prefix, "FLEET_MODE="+string(m), "FLEET_PROCS="+strconv.Itoa(procs),
			"FLEET_DURATION="+d.String(), "FLEET_ID="+strconv.Itoa(i))
		cmd.Stderr = os.Stderr
		wg.Go(func() {
			out, err := cmd.Output()
			if err == nil {
				err = json.Unmarshal(out, &outputs[i])
			}
			errs[i] = err
		})
	}
	wg.Wait()
	r := result{Mode: m, Procs: procs}
	for i := range outputs {
		if errs[i] != nil {
			return r, fmt.Errorf("process %d: %w", i, errs[i])
		}
		r.OK += outputs[i].OK
		r.Failed += outputs[i].Failed
	}
	// The rate is the server's: from the first request it saw to the last,
	// so that the children's start-up (slow under -race) does not count.
	var first, last time.Time
	for _, req := range srv.Requests() {
		if first.IsZero() || req.Time.Before(first) {
			first = req.Time
		}
		last = later(last, req.Time)
		r.Requests++
		if req.Status == http.StatusTooManyRequests {
			r.Refused++
		}
	}
	if r.Requests > 0 {
		r.Elapsed = last.Sub(first) + time.Second/ceiling
	}
	return r, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// childResult is what a child reports on stdout.
type childResult struct{ OK, Failed int }

// child is one process of the fleet: it sends events from two goroutines
// until its time is up and reports what happened.
func child() error {
	d, err := time.ParseDuration(os.Getenv("FLEET_DURATION"))
	if err != nil {
		return err
	}
	opts := []loops.Option{loops.WithBaseURL(os.Getenv("FLEET_URL"))}
	switch mode(os.Getenv("FLEET_MODE")) {
	case ownSplit:
		procs, err := strconv.Atoi(os.Getenv("FLEET_PROCS"))
		if err != nil {
			return err
		}
		opts = append(opts, loops.WithRateLimit(float64(ceiling)/float64(procs)))
	case shared:
		ropts, err := redis.ParseURL(os.Getenv("FLEET_REDIS"))
		if err != nil {
			return err
		}
		rdb := redis.NewClient(ropts)
		defer rdb.Close()
		opts = append(opts, loops.WithLimiter(redislimiter.New(rdb, redislimiter.WithPrefix(os.Getenv("FLEET_PREFIX")))))
	}
	client, err := loops.NewClient(os.Getenv("FLEET_KEY"), opts...)
	if err != nil {
		return err
	}
	var ok, failed, n atomic.Int64
	id := os.Getenv("FLEET_ID")
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				i := n.Add(1)
				err := client.Events.Send(context.Background(), &loops.EventRequest{
					Email: new(fmt.Sprintf("user-%s-%d@example.com", id, i)), EventName: "fleetSend"})
				if err != nil {
					failed.Add(1)
				} else {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return json.NewEncoder(os.Stdout).Encode(childResult{OK: int(ok.Load()), Failed: int(failed.Load())})
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
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
// the Redis limiter at redisURL for shared). The processes start sending
// together, once every one of them is up.
func runFleet(exe string, procs int, d time.Duration, redisURL string, m mode) (result, error) {
	srv := loopstest.New(loopstest.WithRateModel(loopstest.TokenBucket(ceiling, time.Second, 1)))
	defer srv.Close()
	prefix := fmt.Sprintf("loops:fleet:%d:", time.Now().UnixNano())
	outputs := make([]childResult, procs)
	errs := make([]error, procs)
	ready := make(chan error, procs)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := range procs {
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), childEnv+"=1",
			"FLEET_URL="+srv.URL(), "FLEET_KEY="+srv.APIKey(), "FLEET_REDIS="+redisURL,
			"FLEET_PREFIX="+prefix, "FLEET_MODE="+string(m), "FLEET_PROCS="+strconv.Itoa(procs),
			"FLEET_DURATION="+d.String(), "FLEET_ID="+strconv.Itoa(i),
			// A child built with -race (the test binary) would sleep a
			// second at exit, waiting for race reports that a finished
			// child cannot have.
			"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
		cmd.Stderr = os.Stderr
		wg.Go(func() { errs[i] = runChild(cmd, ready, release, &outputs[i]) })
	}
	for range procs {
		<-ready // up, or failed
	}
	warm := len(srv.Requests()) // the children's warm-ups
	close(release)
	wg.Wait()
	r := result{Mode: m, Procs: procs}
	for i := range outputs {
		if errs[i] != nil {
			return r, fmt.Errorf("process %d: %w", i, errs[i])
		}
		r.OK += outputs[i].OK
		r.Failed += outputs[i].Failed
	}
	// The rate is the server's: from the first request of the run to the
	// last, so that the children's start-up (slow under -race) and their
	// warm-ups do not count.
	var first, last time.Time
	for _, req := range srv.Requests()[warm:] {
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

// runChild starts one process of the fleet, reports on ready once it is
// up (or has failed), lets it send once release is closed, and reads its
// result. A child says "ready" on stdout, then sends as soon as its stdin
// is closed.
func runChild(cmd *exec.Cmd, ready chan<- error, release <-chan struct{}, out *childResult) error {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		ready <- err
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		ready <- err
		return err
	}
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	if err == nil && line != readyLine {
		err = fmt.Errorf("said %q, want %q", line, readyLine)
	}
	ready <- err
	<-release
	stdin.Close()
	if err == nil {
		err = json.NewDecoder(r).Decode(out)
	}
	return errors.Join(err, cmd.Wait())
}

const readyLine = "ready\n"

// warmUp sends one event with a wrong API key, which spends none of the
// team's budget, through hc: the first request of a process (more so
// under -race) takes several milliseconds longer than the next ones, on
// the client's side and on the fake's, and would otherwise reach the
// server late for its slot, so that the next request, on time, met a 429
// that says nothing about the limiter.
func warmUp(hc *http.Client) error {
	c, err := loops.NewClient("not-"+os.Getenv("FLEET_KEY"), loops.WithBaseURL(os.Getenv("FLEET_URL")),
		loops.WithHTTPClient(hc), loops.WithoutRateLimit())
	if err != nil {
		return err
	}
	err = c.Events.Send(context.Background(), &loops.EventRequest{Email: new("warm-up@example.com"), EventName: "fleetSend"})
	if !errors.Is(err, loops.ErrUnauthorized) {
		return fmt.Errorf("warm-up send with a wrong key = %v, want %v", err, loops.ErrUnauthorized)
	}
	return nil
}

// child is one process of the fleet: it sends events from two goroutines
// until its time is up and reports what happened.
func child() error {
	d, err := time.ParseDuration(os.Getenv("FLEET_DURATION"))
	if err != nil {
		return err
	}
	hc := &http.Client{} // one connection pool for the warm-up and the run
	opts := []loops.Option{loops.WithBaseURL(os.Getenv("FLEET_URL")), loops.WithHTTPClient(hc)}
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
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			return err
		}
		opts = append(opts, loops.WithLimiter(redislimiter.New(rdb, redislimiter.WithPrefix(os.Getenv("FLEET_PREFIX")))))
	}
	client, err := loops.NewClient(os.Getenv("FLEET_KEY"), opts...)
	if err != nil {
		return err
	}
	if err := warmUp(hc); err != nil {
		return err
	}
	// Up: wait for the others, so that every process starts sending at
	// once, whatever each took to start.
	if _, err := os.Stdout.WriteString(readyLine); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil {
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

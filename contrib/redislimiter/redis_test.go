package redislimiter_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tests run against a real redis-server: `make test` at the root of
// the repository starts one (installing it when missing) and sets
// REDIS_URL. They fail, never skip, without one, so that CI cannot pass
// without running them.
const howToStart = "these tests need a real Redis: run `make test` at the repository root (it starts redis-server and sets REDIS_URL), or start one yourself and set REDIS_URL=redis://127.0.0.1:6379/0"

// TestMain runs up to 16 tests at once, rather than -parallel's default
// of GOMAXPROCS, unless -parallel is given: these tests spend their time
// waiting (on Redis, on a deadline, on a pace), not computing, and each
// keeps to keys or a redis-server of its own.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", "16"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// newRedis returns a fresh client with its own connection pool for the
// server at REDIS_URL.
func newRedis(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		t.Fatal("REDIS_URL is not set; " + howToStart)
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("Redis at REDIS_URL does not answer (%v); %s", err, howToStart)
	}
	return rdb
}

// uniquePrefix keeps each test's keys apart from every other run's.
func uniquePrefix(t testing.TB) string {
	return fmt.Sprintf("loopstest:%s:%d:", t.Name(), time.Now().UnixNano())
}

// redisServer is a redis-server of the test's own, which it may kill and
// start again on the same port.
type redisServer struct {
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedisServer(t testing.TB) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is not on PATH; " + howToStart)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &redisServer{t: t, port: port, dir: t.TempDir()}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--enable-debug-command", "local") // DEBUG SLEEP pauses it (sleep)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: s.addr()})
	defer rdb.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if rdb.Ping(context.Background()).Err() == nil {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatal("redis-server did not start within 10 s")
		}
		time.Sleep(20 * time.Millisecond) // waiting for another process to come up
	}
}

func (s *redisServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// sleep blocks the server with DEBUG SLEEP for d, sent from a connection
// of its own, and returns once the server has stopped answering: a
// probe's PING then goes unanswered. The test's cleanup kills the server
// rather than wait for the sleep to end, so d may be generous: longer
// than any bound the test checks, so that a call that waits for Redis to
// answer again cannot pass for one that returned in time.
func (s *redisServer) sleep(d time.Duration) {
	s.t.Helper()
	admin := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1, ReadTimeout: -1, ContextTimeoutEnabled: true})
	probe := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1, ReadTimeout: 100 * time.Millisecond, PoolSize: 1})
	if err := errors.Join(admin.Ping(context.Background()).Err(), probe.Ping(context.Background()).Err()); err != nil {
		s.t.Fatalf("redis-server at %s: %v", s.addr(), err)
	}
	slept := make(chan error, 1)
	go func() {
		slept <- admin.Do(context.Background(), "DEBUG", "SLEEP", strconv.FormatFloat(d.Seconds(), 'f', 3, 64)).Err()
	}()
	s.t.Cleanup(func() {
		s.stop() // ends the sleep: DEBUG SLEEP then fails, as it should
		<-slept
		admin.Close()
		probe.Close()
	})
	for probe.Ping(context.Background()).Err() == nil {
		select {
		case err := <-slept:
			s.t.Fatalf("DEBUG SLEEP returned before the server stopped answering: %v", err)
		default:
		}
	}
}

// silentListener returns the address of a TCP listener that accepts every
// connection and never answers on it (a Redis host that hangs), and a
// channel that receives once for each connection the client closes.
func silentListener(t testing.TB) (addr string, closed <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedc := make(chan struct{}, 100)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() {
				io.Copy(io.Discard, c) // until the client closes it, or the cleanup does
				select {
				case <-done:
				case closedc <- struct{}{}:
				default:
				}
			}()
		}
	}()
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), closedc
}

package loops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// The benchmarks compare the SDK's per-call cost with the least a program
// could do by hand, and measure bulk sending at Loops' rate limit.
//
//	go test -run '^$' -bench . -benchmem ./loops/

const benchAPIKey = "bench-key"

var benchSuccess = []byte(`{"success":true}`)

// benchLoopsHandler is the smallest server that answers an event send the
// way Loops does: it reads the whole body and answers {"success":true} with
// the rate-limit headers. It checks nothing, so that its own cost stays
// small and identical for both clients.
func benchLoopsHandler(w http.ResponseWriter, r *http.Request) {
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Ratelimit-Limit", "10")
	h.Set("X-Ratelimit-Remaining", "9")
	w.Write(benchSuccess)
}

// benchHTTPClient returns the *http.Client both contenders use: a fresh
// Transport with the same settings each time.
func benchHTTPClient(b *testing.B) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        16,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// handEvent is the body a hand-written client would marshal.
type handEvent struct {
	Email           string         `json:"email"`
	EventName       string         `json:"eventName"`
	EventProperties map[string]any `json:"eventProperties,omitempty"`
}

// sendEventByHand is the hand-written equivalent of client.Events.Send:
// marshal, POST with the same headers, read and decode the answer.
func sendEventByHand(ctx context.Context, hc *http.Client, url string, ev *handEvent) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchAPIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", loops.DefaultUserAgent)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, data)
	}
	var out struct {
		Success bool `json:"success"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return err
	}
	if !out.Success {
		return fmt.Errorf("success=false: %s", data)
	}
	return nil
}

// BenchmarkEventsSend measures one event send through the SDK (validation,
// a generated Idempotency-Key, the retry pipeline with its per-attempt
// timeout, decoding; pacing off) against a hand-written net/http call,
// both against the same loopback server.
func BenchmarkEventsSend(b *testing.B) {
	ctx := context.Background()
	props := map[string]any{"plan": "team", "seats": 5}

	b.Run("sdk", func(b *testing.B) {
		ts := httptest.NewServer(http.HandlerFunc(benchLoopsHandler))
		defer ts.Close()
		client, err := loops.NewClient(benchAPIKey,
			loops.WithBaseURL(ts.URL+"/api"),
			loops.WithHTTPClient(benchHTTPClient(b)),
			loops.WithoutRateLimit(),
		)
		if err != nil {
			b.Fatal(err)
		}
		req := &loops.EventRequest{
			Email:           new("ada@example.com"),
			EventName:       "planUpgraded",
			EventProperties: props,
		}
		if err := client.Events.Send(ctx, req); err != nil { // opens the connection
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := client.Events.Send(ctx, req); err != nil {
				b.Fatalf("send: %v", err)
			}
		}
	})

	b.Run("handwritten", func(b *testing.B) {
		ts := httptest.NewServer(http.HandlerFunc(benchLoopsHandler))
		defer ts.Close()
		hc := benchHTTPClient(b)
		url := ts.URL + "/api/v1/events/send"
		ev := &handEvent{Email: "ada@example.com", EventName: "planUpgraded", EventProperties: props}
		if err := sendEventByHand(ctx, hc, url, ev); err != nil { // opens the connection
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if err := sendEventByHand(ctx, hc, url, ev); err != nil {
				b.Fatalf("send: %v", err)
			}
		}
	})
}

// BenchmarkBulkSendAtRateLimit sends b.N events from 8 goroutines through
// one client with its default limiter (10 requests per second) to a fake
// that enforces Loops' limit (10 per second, burst 10). It reports the
// throughput achieved and how many requests the fake refused with 429: the
// client should keep the first at the limit and the second at zero.
//
// Each op is one request, so the benchmark framework's usual one second
// holds about ten of them.
func BenchmarkBulkSendAtRateLimit(b *testing.B) {
	const workers = 8
	srv := loopstest.NewServer(b)
	client, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	send := func(i int64) error {
		err := client.Events.Send(ctx, &loops.EventRequest{
			Email:           new(fmt.Sprintf("user%d@example.com", i)),
			EventName:       "bulkImport",
			EventProperties: map[string]any{"batch": 1},
		})
		return err
	}
	// The warm-up opens a connection and spends the limiter's only token,
	// so the timed part measures the sustained rate: without it, b.N=1
	// takes a millisecond and the framework's next guess (100 requests)
	// would take ten seconds.
	if err := send(0); err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	b.ResetTimer()
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	for range workers {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				if err := send(i); err != nil {
					errOnce.Do(func() { first = err })
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if first != nil {
		b.Fatal(first)
	}

	refused := 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			refused++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(refused), "429s")
}

// BenchmarkEventsSendRatio alternates an SDK send and a hand-written one
// in each iteration, against one server, and reports the ratio of their
// total times ("sdk/hand") and of their allocations: alternating cancels
// out a machine whose load drifts, which separate runs cannot.
func BenchmarkEventsSendRatio(b *testing.B) {
	ctx := context.Background()
	props := map[string]any{"plan": "team", "seats": 5}
	ts := httptest.NewServer(http.HandlerFunc(benchLoopsHandler))
	defer ts.Close()
	client, err := loops.NewClient(benchAPIKey, loops.WithBaseURL(ts.URL+"/api"), loops.WithHTTPClient(benchHTTPClient(b)), loops.WithoutRateLimit())
	if err != nil {
		b.Fatal(err)
	}
	req := &loops.EventRequest{Email: new("ada@example.com"), EventName: "planUpgraded", EventProperties: props}
	hc, url := benchHTTPClient(b), ts.URL+"/api/v1/events/send"
	ev := &handEvent{Email: "ada@example.com", EventName: "planUpgraded", EventProperties: props}
	if err := errors.Join(client.Events.Send(ctx, req), sendEventByHand(ctx, hc, url, ev)); err != nil { // opens both connections
		b.Fatal(err)
	}
	var sdk, hand time.Duration
	for b.Loop() {
		start := time.Now()
		if err := client.Events.Send(ctx, req); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		if err := sendEventByHand(ctx, hc, url, ev); err != nil {
			b.Fatal(err)
		}
		sdk, hand = sdk+mid.Sub(start), hand+time.Since(mid)
	}
	b.ReportMetric(float64(sdk)/float64(hand), "sdk/hand")
	b.ReportMetric(float64(sdk)/float64(b.N), "sdk-ns/op")
	b.ReportMetric(float64(hand)/float64(b.N), "hand-ns/op")
}

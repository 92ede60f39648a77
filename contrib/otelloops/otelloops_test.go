package otelloops_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/contrib/otelloops"
	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// harness is a fake Loops, a client instrumented with otelloops, and the
// in-memory span and metric readers the tests look at.
type harness struct {
	srv     *loopstest.Server
	client  *loops.Client
	spans   *tracetest.SpanRecorder
	metrics *sdkmetric.ManualReader
}

func newHarness(t *testing.T, opts ...loops.Option) *harness {
	t.Helper()
	h := &harness{spans: tracetest.NewSpanRecorder(), metrics: sdkmetric.NewManualReader()}
	h.srv = loopstest.NewServer(t, loopstest.WithoutListener())
	tel := otelloops.New(
		otelloops.WithTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))),
		otelloops.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.metrics))),
		otelloops.WithPropagators(propagation.TraceContext{}),
	)
	base := []loops.Option{
		loops.WithBaseURL(h.srv.URL()),
		loops.WithHTTPClient(&http.Client{Transport: h.srv.Transport()}),
		loops.WithoutRateLimit(),
		loops.WithObserver(tel),
		loops.WithMiddleware(tel.Middleware),
	}
	c, err := loops.NewClient(h.srv.APIKey(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h.client = c
	return h
}

func (h *harness) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.metrics.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// sum adds up an Int64 counter's points whose attributes include want.
func sum(rm metricdata.ResourceMetrics, name string, want ...attribute.KeyValue) int64 {
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			if s, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, p := range s.DataPoints {
					if hasAll(p.Attributes, want) {
						n += p.Value
					}
				}
			}
		}
	}
	return n
}

// histogramCount counts a Float64 histogram's observations whose
// attributes include want, and adds up their values.
func histogramCount(rm metricdata.ResourceMetrics, name string, want ...attribute.KeyValue) (uint64, float64) {
	var n uint64
	var total float64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == name {
				for _, p := range h.DataPoints {
					if hasAll(p.Attributes, want) {
						n += p.Count
						total += p.Sum
					}
				}
			}
		}
	}
	return n, total
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func attr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func sendEvent(c *loops.Client) error {
	return c.Events.Send(context.Background(), &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"})
}

func TestARetriedSendIsOneSpanWithItsAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.srv.Inject("POST /v1/events/send", loopstest.Status(503))
		if err := sendEvent(h.client); err != nil {
			t.Fatal(err)
		}
		spans := h.spans.Ended()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want one per call", len(spans))
		}
		s := spans[0]
		if s.Name() != "Events.Send" || attr(s, "loops.attempts").AsInt64() != 2 || attr(s, "url.template").AsString() != "/v1/events/send" ||
			attr(s, "loops.operation_id").AsString() != "sendEvent" || attr(s, "http.response.status_code").AsInt64() != 200 {
			t.Errorf("span %q attributes %v", s.Name(), s.Attributes())
		}
		if ev := s.Events(); len(ev) != 2 || ev[0].Name != "attempt" {
			t.Fatalf("events %v, want two attempts", ev)
		}
		if got := s.Events()[0].Attributes; !hasAll(attribute.NewSet(got...), []attribute.KeyValue{attribute.String("loops.retry.reason", loops.RetryServerError), attribute.Int("http.response.status_code", 503)}) {
			t.Errorf("first attempt event %v, want a 503 retried as server_error", got)
		}
		rm := h.collect(t)
		op := attribute.String("loops.operation", "Events.Send")
		if n := sum(rm, "loops.client.attempts", op); n != 2 {
			t.Errorf("attempts = %d, want 2", n)
		}
		if n := sum(rm, "loops.client.retries", op, attribute.String("loops.retry.reason", "server_error")); n != 1 {
			t.Errorf("retries = %d, want 1", n)
		}
		if n, _ := histogramCount(rm, "loops.client.call.duration", op, attribute.String("loops.outcome", "ok")); n != 1 {
			t.Errorf("call.duration has %d ok points, want 1", n)
		}
	})
}

func TestADeduplicatedSendIsVisible(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.srv.Inject("POST /v1/events/send", loopstest.ProcessThenDrop())
		if err := sendEvent(h.client); err != nil {
			t.Fatal(err)
		}
		if n := len(h.srv.Events()); n != 1 {
			t.Fatalf("the fake processed %d events, want 1", n)
		}
		s := h.spans.Ended()[0]
		if !attr(s, "loops.deduplicated").AsBool() || attr(s, "error.type").AsString() != "" {
			t.Errorf("span attributes %v, want a deduplicated success", s.Attributes())
		}
		if n := sum(h.collect(t), "loops.client.deduplicated"); n != 1 {
			t.Errorf("deduplicated = %d, want 1", n)
		}
	})
}

func TestA429StormShowsInTheMetrics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, loops.WithMaxRetries(2))
		storm := []loopstest.Fault{}
		for range 5 {
			storm = append(storm, loopstest.RateLimited())
		}
		h.srv.Inject("GET /v1/api-key", storm...)
		_, err1 := h.client.Account.TestAPIKey(context.Background()) // 429, 429, 429: fails
		_, err2 := h.client.Account.TestAPIKey(context.Background()) // 429, 429, then served
		if err1 == nil || err2 != nil {
			t.Fatalf("errors %v, %v; want the first call rate limited and the second served", err1, err2)
		}
		rm := h.collect(t)
		if n := sum(rm, "loops.client.rate_limited"); n != 5 {
			t.Errorf("rate_limited = %d, want 5", n)
		}
		if n := sum(rm, "loops.client.retries", attribute.String("loops.retry.reason", "rate_limited")); n != 4 {
			t.Errorf("rate-limited retries = %d, want 4", n)
		}
		if n, _ := histogramCount(rm, "loops.client.call.duration", attribute.String("loops.outcome", "rate_limited")); n != 1 {
			t.Errorf("%d calls ended rate_limited, want 1", n)
		}
		failed := h.spans.Ended()[0]
		if failed.Status().Description != "rate_limited" || attr(failed, "error.type").AsString() != "rate_limited" {
			t.Errorf("failed span status %v, attributes %v", failed.Status(), failed.Attributes())
		}
	})
}

func TestLimiterWaitAndBudgetAreRecorded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, loops.WithRateLimit(10))
		for range 3 {
			if _, err := h.client.Account.TestAPIKey(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		rm := h.collect(t)
		n, total := histogramCount(rm, "loops.client.limiter.wait", attribute.String("loops.limiter", "requests"))
		if n < 2 || total < 0.2 {
			t.Errorf("limiter.wait: %d waits, %.3f s in all; want the 2nd and 3rd calls to wait about 0.1 s each", n, total)
		}
		var gauge bool
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if g, ok := m.Data.(metricdata.Gauge[int64]); ok && m.Name == "loops.client.ratelimit.limit" {
					gauge = len(g.DataPoints) > 0 && g.DataPoints[0].Value == 10
				}
			}
		}
		if !gauge {
			t.Error("loops.client.ratelimit.limit does not report the fake's limit of 10")
		}
		if w := attr(h.spans.Ended()[2], "loops.limiter.wait").AsFloat64(); w < 0.09 || w > 0.2 {
			t.Errorf("third span's loops.limiter.wait = %v s, want about 0.1", w)
		}
	})
}

func TestTraceContextReachesLoops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		if err := sendEvent(h.client); err != nil {
			t.Fatal(err)
		}
		span := h.spans.Ended()[0]
		reqs := h.srv.Requests()
		tp := reqs[len(reqs)-1].Header.Get("Traceparent")
		if want := span.SpanContext().TraceID().String(); !strings.Contains(tp, want) {
			t.Errorf("traceparent %q does not carry the call's trace %s", tp, want)
		}
		if attr(span, "server.address").AsString() == "" {
			t.Errorf("span lacks server.address: %v", span.Attributes())
		}
	})
}

func TestNothingCarriesTheKeyOrAnEmail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t)
		h.srv.Inject("GET /v1/contacts/find", loopstest.Status(500), loopstest.HTMLStatus(502))
		_, _ = h.client.Contacts.Find(context.Background(), loops.ByEmail("ada@example.com"))
		_ = sendEvent(h.client)
		_ = h.client.Do(context.Background(), "GET", "/v1/contacts/find?email=ada%40example.com", nil, nil)
		_, _ = h.client.Contacts.Create(context.Background(), &loops.ContactCreateRequest{Email: "ada@example.com"})
		_, _ = h.client.Contacts.Create(context.Background(), &loops.ContactCreateRequest{Email: "ada@example.com"}) // 409
		var dump strings.Builder
		for _, s := range h.spans.Ended() {
			dump.WriteString(s.Name())
			for _, kv := range s.Attributes() {
				dump.WriteString(" " + string(kv.Key) + "=" + kv.Value.Emit())
			}
			for _, ev := range s.Events() {
				for _, kv := range ev.Attributes {
					dump.WriteString(" " + string(kv.Key) + "=" + kv.Value.Emit())
				}
			}
			dump.WriteString(" " + s.Status().Description + "\n")
		}
		b, err := json.Marshal(h.collect(t))
		if err != nil {
			t.Fatal(err)
		}
		dump.Write(b)
		for _, secret := range []string{h.srv.APIKey(), "ada", "example.com", "%40"} {
			if strings.Contains(dump.String(), secret) {
				t.Errorf("telemetry carries %q:\n%s", secret, dump.String())
			}
		}
		if len(h.spans.Ended()) != 5 {
			t.Errorf("%d spans for 5 calls", len(h.spans.Ended()))
		}
	})
}

// The global providers are used when no option names others; nothing is
// recorded by the no-op defaults, and nothing fails.
func TestDefaultsUseTheGlobalProviders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		tel := otelloops.New()
		c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()),
			loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}),
			loops.WithObserver(tel), loops.WithMiddleware(tel.Middleware))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := c.Account.TestAPIKey(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

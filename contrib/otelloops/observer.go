package otelloops

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// StartCall starts the call's span; it implements [loops.Observer].
func (t *Telemetry) StartCall(ctx context.Context, op loops.Operation) (context.Context, loops.CallObserver) {
	opAttr := attribute.String("loops.operation", op.Name)
	attrs := []attribute.KeyValue{opAttr, attribute.String("http.request.method", op.Method)}
	if op.OperationID != "" {
		attrs = append(attrs, attribute.String("loops.operation_id", op.OperationID))
	}
	if op.Route != "" {
		attrs = append(attrs, attribute.String("url.template", op.Route))
	}
	ctx, span := t.tracer.Start(ctx, op.Name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, &call{t: t, ctx: ctx, span: span, start: time.Now(), op: metric.WithAttributes(opAttr), opAttr: opAttr}
}

// call follows one call: its span and what its metrics need.
type call struct {
	t      *Telemetry
	ctx    context.Context
	span   trace.Span
	start  time.Time
	op     metric.MeasurementOption // loops.operation, built once
	opAttr attribute.KeyValue
	waited time.Duration // in the limiters, over all attempts
}

func (c *call) LimiterWaited(limiter string, d time.Duration) {
	c.waited += d
	c.t.m.limiterWait.Record(c.ctx, d.Seconds(), metric.WithAttributes(c.opAttr, attribute.String("loops.limiter", limiter)))
}

func (c *call) Attempted(a loops.Attempt) {
	m := &c.t.m
	status := attribute.Int("http.response.status_code", a.StatusCode)
	m.attempts.Add(c.ctx, 1, metric.WithAttributes(c.opAttr, status))
	if a.StatusCode == http.StatusTooManyRequests {
		m.rateLimited.Add(c.ctx, 1, c.op)
	}
	if a.RateLimit.Present {
		m.remaining.Record(c.ctx, int64(a.RateLimit.Remaining), c.op)
		m.limit.Record(c.ctx, int64(a.RateLimit.Limit), c.op)
	}
	ev := []attribute.KeyValue{attribute.Int("loops.attempt", a.N), status, attribute.Float64("loops.attempt.duration", a.Duration.Seconds())}
	if a.Retry != "" {
		m.retries.Add(c.ctx, 1, metric.WithAttributes(c.opAttr, attribute.String("loops.retry.reason", a.Retry)))
		ev = append(ev, attribute.String("loops.retry.reason", a.Retry), attribute.Float64("loops.retry.wait", a.RetryWait.Seconds()))
	}
	if a.Err != nil {
		// The error's class, not its text: a transport error names the
		// host, and nothing here needs more.
		ev = append(ev, attribute.String("error.type", loops.ErrorClass(a.Err)))
	}
	c.span.AddEvent("attempt", trace.WithAttributes(ev...))
}

func (c *call) Ended(r loops.CallResult) {
	m := &c.t.m
	outcome := "ok"
	if r.Class != "" {
		outcome = r.Class
	}
	if r.Deduplicated {
		m.deduplicated.Add(c.ctx, 1, c.op)
	}
	m.duration.Record(c.ctx, time.Since(c.start).Seconds(), metric.WithAttributes(c.opAttr, attribute.String("loops.outcome", outcome)))
	c.span.SetAttributes(
		attribute.Int("loops.attempts", r.Attempts),
		attribute.Bool("loops.deduplicated", r.Deduplicated),
		attribute.Bool("loops.idempotency_key.present", r.IdempotencyKey),
		attribute.Float64("loops.limiter.wait", c.waited.Seconds()),
	)
	if r.StatusCode != 0 {
		c.span.SetAttributes(attribute.Int("http.response.status_code", r.StatusCode))
	}
	if r.Class != "" {
		c.span.SetAttributes(attribute.String("error.type", r.Class))
		// The class, not err.Error(): Loops' messages may quote what was
		// sent, an email address among it.
		c.span.SetStatus(codes.Error, r.Class)
	}
	c.span.End()
}

// serverAttrs names the server a request goes to.
func serverAttrs(req *http.Request) []attribute.KeyValue {
	host, port := req.URL.Hostname(), req.URL.Port()
	attrs := []attribute.KeyValue{attribute.String("server.address", host)}
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[req.URL.Scheme]
	}
	if n, err := strconv.Atoi(port); err == nil {
		attrs = append(attrs, attribute.Int("server.port", n))
	}
	return attrs
}

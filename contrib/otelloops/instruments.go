package otelloops

import (
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
)

// instruments are the metrics of [Telemetry]; the package doc lists them.
type instruments struct {
	duration     metric.Float64Histogram
	attempts     metric.Int64Counter
	retries      metric.Int64Counter
	rateLimited  metric.Int64Counter
	deduplicated metric.Int64Counter
	limiterWait  metric.Float64Histogram
	remaining    metric.Int64Gauge
	limit        metric.Int64Gauge
}

// newInstruments creates the instruments on m. An instrument m cannot
// create comes back as a no-op one, and the error goes to
// OpenTelemetry's error handler: telemetry never stops a call.
func newInstruments(m metric.Meter) instruments {
	var in instruments
	var errs [8]error
	in.duration, errs[0] = m.Float64Histogram("loops.client.call.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of Loops API calls, retries and waits included."))
	in.attempts, errs[1] = m.Int64Counter("loops.client.attempts", metric.WithUnit("{attempt}"),
		metric.WithDescription("Requests sent to Loops, retries included."))
	in.retries, errs[2] = m.Int64Counter("loops.client.retries", metric.WithUnit("{retry}"),
		metric.WithDescription("Requests sent again, by reason."))
	in.rateLimited, errs[3] = m.Int64Counter("loops.client.rate_limited", metric.WithUnit("{response}"),
		metric.WithDescription("429 answers from Loops."))
	in.deduplicated, errs[4] = m.Int64Counter("loops.client.deduplicated", metric.WithUnit("{call}"),
		metric.WithDescription("Sends Loops had already processed, reported as success."))
	in.limiterWait, errs[5] = m.Float64Histogram("loops.client.limiter.wait", metric.WithUnit("s"),
		metric.WithDescription("Time spent waiting in the client's rate limiters."))
	in.remaining, errs[6] = m.Int64Gauge("loops.client.ratelimit.remaining", metric.WithUnit("{request}"),
		metric.WithDescription("x-ratelimit-remaining of the last answer."))
	in.limit, errs[7] = m.Int64Gauge("loops.client.ratelimit.limit", metric.WithUnit("{request}"),
		metric.WithDescription("x-ratelimit-limit of the last answer."))
	if err := errors.Join(errs[:]...); err != nil {
		otel.Handle(err)
	}
	return in
}

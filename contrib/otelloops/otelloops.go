package otelloops

import (
	"net/http"

	"github.com/loopsdev/loops-go/loops"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/loopsdev/loops-go/contrib/otelloops"

// Telemetry is a [loops.Observer] that records spans and metrics, and
// whose Middleware propagates the trace context. Make it with [New]; one
// may serve any number of clients.
type Telemetry struct {
	tracer      trace.Tracer
	propagators propagation.TextMapPropagator
	m           instruments
}

// Option configures [New].
type Option func(*settings)

type settings struct {
	tp          trace.TracerProvider
	mp          metric.MeterProvider
	propagators propagation.TextMapPropagator
}

// WithTracerProvider records spans with tp instead of the global provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(s *settings) { s.tp = tp }
}

// WithMeterProvider records metrics with mp instead of the global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(s *settings) { s.mp = mp }
}

// WithPropagators injects the trace context with p instead of the global
// propagator.
func WithPropagators(p propagation.TextMapPropagator) Option {
	return func(s *settings) { s.propagators = p }
}

// New returns telemetry for loops clients. Without options it uses the
// global TracerProvider, MeterProvider and propagator of package otel, as
// they are when New is called.
func New(opts ...Option) *Telemetry {
	s := settings{}
	for _, o := range opts {
		o(&s)
	}
	if s.tp == nil {
		s.tp = otel.GetTracerProvider()
	}
	if s.mp == nil {
		s.mp = otel.GetMeterProvider()
	}
	if s.propagators == nil {
		s.propagators = otel.GetTextMapPropagator()
	}
	return &Telemetry{
		tracer:      s.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(loops.Version)),
		propagators: s.propagators,
		m:           newInstruments(s.mp.Meter(ScopeName, metric.WithInstrumentationVersion(loops.Version))),
	}
}

// Middleware is a [loops.Middleware] that injects the call's trace
// context into each attempt's headers (W3C traceparent with the default
// propagator), so that a server span links to the client span, and names
// the server on the call span. Pass it with loops.WithMiddleware.
func (t *Telemetry) Middleware(req *http.Request, next loops.MiddlewareNext) (*http.Response, error) {
	ctx := req.Context()
	t.propagators.Inject(ctx, propagation.HeaderCarrier(req.Header))
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.SetAttributes(serverAttrs(req)...)
	}
	return next(req)
}

// Package otelloops reports the calls of a [loops.Client] to OpenTelemetry:
// one client span per logical call and a set of metrics, from the facts
// only the SDK knows (the operation, each attempt and why it was retried,
// the time spent in the rate limiters, deduplicated sends, the error
// class), and it propagates the trace context on every request.
//
// Wire it in with two client options:
//
//	tel := otelloops.New() // the global TracerProvider, MeterProvider and propagator
//	client, err := loops.NewClient(apiKey,
//		loops.WithObserver(tel),
//		loops.WithMiddleware(tel.Middleware),
//	)
//
// # What is recorded
//
// Spans are named after the SDK method ("Events.Send"), of kind client,
// with the attributes http.request.method, url.template (the route
// template, such as /v1/contacts/{contactId}), server.address,
// http.response.status_code, error.type, and loops.operation,
// loops.operation_id, loops.attempts, loops.deduplicated,
// loops.idempotency_key.present and loops.limiter.wait (seconds). Each
// attempt is a span event "attempt" (number, status, duration, retry
// reason and wait). No span, event or metric carries the API key, a
// header, a body, a query string or a concrete path: those may hold an
// email address or other personal data.
//
// Metrics (instrument names, all with loops.operation, plus the
// attributes in parentheses):
//
//	loops.client.call.duration      histogram, s   (loops.outcome: "ok" or the error class)
//	loops.client.attempts           counter         (http.response.status_code, 0 for none)
//	loops.client.retries            counter         (loops.retry.reason)
//	loops.client.rate_limited       counter         429 answers
//	loops.client.deduplicated       counter         sends answered "already processed" and reported as success
//	loops.client.limiter.wait       histogram, s   (loops.limiter: requests or content)
//	loops.client.ratelimit.remaining gauge          x-ratelimit-remaining of the last answer
//	loops.client.ratelimit.limit     gauge          x-ratelimit-limit of the last answer
//
// otelhttp is not used for the attempts: its spans record the full URL,
// whose query string holds the email of a contact lookup.
package otelloops

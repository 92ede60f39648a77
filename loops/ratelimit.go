package loops

import (
	"context"

	"golang.org/x/time/rate"
)

// Limiter paces requests before they are sent. *rate.Limiter from
// golang.org/x/time/rate satisfies it.
//
// Loops limits requests per team, not per process. A single Client's
// default limiter keeps that process under the limit; to share one budget
// between clients, pass the same Limiter to each, and across processes plug
// in a distributed implementation (for example one backed by Redis).
type Limiter interface {
	// Wait blocks until a request may be sent or ctx is done.
	Wait(ctx context.Context) error
}

// DefaultRequestsPerSecond is Loops' documented limit per team.
const DefaultRequestsPerSecond = 10

// NewLimiter returns a token bucket for perSecond requests a second that
// never bursts: requests are spaced evenly, so a server counting any
// one-second window sees at most perSecond of them. Share it between
// clients of the same team with [WithLimiter].
func NewLimiter(perSecond float64) Limiter {
	return rate.NewLimiter(rate.Limit(perSecond), 1)
}

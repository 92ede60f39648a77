package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// The tour never waits silently: a wait longer than this is said out loud,
// with what it waits for.
const quietWait = time.Second

// announcedLimiter is a limiter that says when it held a request back for
// more than quietWait. It embeds *loops.AdaptiveLimiter, so the client
// still reports answers to it (a 429 slows it down).
type announcedLimiter struct {
	*loops.AdaptiveLimiter
	what string
	w    io.Writer
}

func (l announcedLimiter) Wait(ctx context.Context) error {
	start := time.Now()
	err := l.AdaptiveLimiter.Wait(ctx)
	if d := time.Since(start); d > quietWait {
		fmt.Fprintf(l.w, "   (waited %.1f s for %s)\n", d.Seconds(), l.what)
	}
	return err
}

// retryNotes is a slog handler that prints the client's retry records
// whose wait is longer than quietWait, and nothing else.
type retryNotes struct{ w io.Writer }

func (h retryNotes) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h retryNotes) Handle(_ context.Context, r slog.Record) error {
	var wait time.Duration
	var route, reason string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "wait":
			wait = a.Value.Duration()
		case "route":
			route = a.Value.String()
		case "reason":
			reason = a.Value.String()
		}
		return true
	})
	if wait > quietWait {
		fmt.Fprintf(h.w, "   (waiting %.1f s before retrying %s after %s)\n", wait.Seconds(), route, reason)
	}
	return nil
}

func (h retryNotes) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h retryNotes) WithGroup(string) slog.Handler      { return h }

// pacedOptions are the client's default pacing (10 requests a second, 60
// content-API calls a minute) and retries, made to announce their long
// waits on w.
func pacedOptions(w io.Writer) []loops.Option {
	return []loops.Option{
		loops.WithLimiter(announcedLimiter{loops.NewLimiter(loops.DefaultRequestsPerSecond), "the rate limit (10 requests a second)", w}),
		loops.WithContentLimiter(announcedLimiter{loops.NewLimiterPer(loops.DefaultContentRequestsPerMinute, time.Minute), "the content-API budget (60 calls a minute)", w}),
		loops.WithLogger(slog.New(retryNotes{w})),
	}
}

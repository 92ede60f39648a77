package webhooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Defaults of a Handler built without options.
const (
	// DefaultMaxBodySize is the largest body a Handler reads (1 MiB);
	// a larger one is answered 413 unread.
	DefaultMaxBodySize = 1 << 20
	// DefaultReplayCapacity and DefaultReplayTTL size the in-memory replay
	// store: it remembers up to 20,000 webhook-ids, each for 24 hours. At
	// Loops' 10 deliveries per second that covers more than half an hour,
	// well beyond the timestamp tolerance that bounds a replay.
	DefaultReplayCapacity = 20000
	DefaultReplayTTL      = 24 * time.Hour
	// DefaultReadTimeout bounds the reading of a delivery's body: a client
	// that sends it slower is answered 408 (see WithReadTimeout).
	DefaultReadTimeout = 10 * time.Second
)

// WithReadTimeout bounds how long a Handler waits for a delivery's body
// to arrive, from when it starts reading it; a body still incomplete then
// is answered 408 Request Timeout. It sets the connection's read deadline
// through http.ResponseController, so it applies under a net/http server
// (HTTP/1 and HTTP/2) and does nothing where the ResponseWriter cannot
// set one. Zero or less turns it off. Set http.Server's ReadHeaderTimeout
// too: a client that never finishes its headers never reaches a Handler.
func WithReadTimeout(d time.Duration) Option {
	return func(c *config) { c.readTimeout = d }
}

// WithMaxBodySize sets the largest body a Handler reads; a larger one is
// answered 413 Request Entity Too Large. Values below 1 are ignored.
func WithMaxBodySize(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithReplayStore sets where a Handler remembers the webhook-ids it is
// handling and has handled, for example a store shared by several instances; nil turns the
// replay guard off. The default is a MemoryStore of DefaultReplayCapacity
// ids kept for DefaultReplayTTL.
func WithReplayStore(s ReplayStore) Option {
	return func(c *config) { c.store, c.noStore = s, s == nil }
}

// WithLogger sets where a Handler logs rejected and failed deliveries
// (and, at debug level, handled ones): the webhook-id, the event name,
// the status and the error, never a secret nor the body. The default is
// slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// Handler is an http.Handler that receives Loops' webhook deliveries. For
// each POST it reads the body (up to the size cap: 413 beyond; 408 when it
// arrives slower than the read timeout), verifies it (401 on failure),
// decodes it (400 if it is not a valid payload), skips a webhook-id it has
// already handled (200), answers 409 to a webhook-id whose earlier
// delivery is still being handled (so that Loops delivers it again later,
// when that run may have failed), and calls your function: 204 when it
// returns nil, 500 when it returns an error, so that Loops delivers the
// message again. Your function runs only for verified, decoded, new
// messages, and a message counts as handled only once it returned nil.
// Build one with NewHandler.
type Handler struct {
	v           *Verifier
	fn          func(context.Context, Event) error
	maxBody     int64
	readTimeout time.Duration
	store       ReplayStore
	log         *slog.Logger
}

// NewHandler returns a Handler that passes each verified event to fn; to
// pass each type of event to its own function, give it a Mux's Handle. A
// malformed secret gives an error matching ErrMalformedSecret.
func NewHandler(secret string, fn func(context.Context, Event) error, opts ...Option) (*Handler, error) {
	if fn == nil {
		return nil, errors.New("webhooks: NewHandler needs a function to call")
	}
	c := newConfig(opts)
	v, err := newVerifier(secret, c)
	if err != nil {
		return nil, err
	}
	h := &Handler{v: v, fn: fn, maxBody: c.maxBody, readTimeout: c.readTimeout, store: c.store, log: c.logger}
	if h.store == nil && !c.noStore {
		h.store = newMemoryStore(DefaultReplayCapacity, DefaultReplayTTL, c.now)
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h, nil
}

// idKey is the context key of the webhook-id.
type idKey struct{}

// MessageID returns the webhook-id of the delivery whose event a Handler
// passes with ctx, or "". It is the same across redeliveries of one
// message, so it can key your own idempotency records.
func MessageID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(r.Context(), w, http.StatusMethodNotAllowed, "method not allowed", nil)
		return
	}
	body, err := h.read(w, r)
	if err != nil {
		var tooBig *http.MaxBytesError
		var netErr net.Error
		switch {
		case errors.As(err, &tooBig):
			h.refuse(r.Context(), w, http.StatusRequestEntityTooLarge, "body too large", err)
		case errors.As(err, &netErr) && netErr.Timeout():
			w.Header().Set("Connection", "close")
			h.refuse(r.Context(), w, http.StatusRequestTimeout, "body too slow", err)
		default:
			h.refuse(r.Context(), w, http.StatusBadRequest, "unreadable body", err)
		}
		return
	}
	if err := h.v.Verify(r.Header, body); err != nil {
		h.refuse(r.Context(), w, http.StatusUnauthorized, "invalid signature", err)
		return
	}
	id := first(r.Header, canonicalID)
	ev, err := Parse(body)
	if err != nil {
		h.refuse(r.Context(), w, http.StatusBadRequest, "invalid payload", err, "webhook_id", id)
		return
	}
	ctx := context.WithValue(r.Context(), idKey{}, id)
	if h.store != nil {
		state, err := h.store.Claim(ctx, id)
		switch {
		case err != nil:
		case state == Completed:
			h.log.LogAttrs(ctx, slog.LevelInfo, "webhooks: duplicate delivery skipped", slog.String("webhook_id", id), slog.String("event", ev.Name()))
			w.WriteHeader(http.StatusOK)
			return
		case state == InProgress:
			// Not a 2xx: if the run in progress fails, only a later
			// redelivery can still bring the message.
			h.refuse(ctx, w, http.StatusConflict, "an earlier delivery of this message is still being handled; retry later",
				errors.New("duplicate of a delivery in progress"), "webhook_id", id, "event", ev.Name())
			return
		case state != Claimed:
			err = fmt.Errorf("Claim returned %d, not a ClaimState", int(state))
		}
		if err != nil {
			h.refuse(ctx, w, http.StatusInternalServerError, "replay store failed", err, "webhook_id", id, "event", ev.Name())
			return
		}
	}
	if err := h.call(ctx, id, ev); err != nil {
		h.refuse(ctx, w, http.StatusInternalServerError, "handler failed", err, "webhook_id", id, "event", ev.Name())
		return
	}
	h.log.LogAttrs(ctx, slog.LevelDebug, "webhooks: delivery handled", slog.String("webhook_id", id), slog.String("event", ev.Name()))
	w.WriteHeader(http.StatusNoContent)
}

// read reads the body up to the cap, refusing a declared length over it
// before reading anything, within the read timeout: the connection's read
// deadline is real time (not WithClock's), as net/http's own are.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > h.maxBody {
		return nil, &http.MaxBytesError{Limit: h.maxBody}
	}
	if h.readTimeout > 0 {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(h.readTimeout)) == nil {
			defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
		}
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
}

// call runs the user's function. When it returns nil the id is recorded
// as completed; when it fails or panics, the claim on the id is released
// so that Loops' redelivery is handled.
func (h *Handler) call(ctx context.Context, id string, ev Event) (err error) {
	done := false
	defer func() {
		if h.store == nil {
			return
		}
		settle, what := h.store.Complete, "recording a handled delivery"
		if !done || err != nil {
			settle, what = h.store.Release, "releasing a failed delivery"
		}
		if serr := settle(context.WithoutCancel(ctx), id); serr != nil {
			h.log.LogAttrs(ctx, slog.LevelError, "webhooks: "+what, slog.String("webhook_id", id), slog.Any("error", serr))
		}
	}()
	err = h.fn(ctx, ev)
	done = true
	return err
}

// refuse answers a delivery that was not handled and logs why.
func (h *Handler) refuse(ctx context.Context, w http.ResponseWriter, status int, text string, err error, attrs ...any) {
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	attrs = append(attrs, "status", status)
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	h.log.Log(ctx, level, "webhooks: delivery not handled", attrs...)
	http.Error(w, text, status)
}

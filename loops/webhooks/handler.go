package webhooks

import (
	"container/list"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
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
)

// WithMaxBodySize sets the largest body a Handler reads; a larger one is
// answered 413 Request Entity Too Large. Values below 1 are ignored.
func WithMaxBodySize(n int64) Option {
	return func(c *config) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// WithReplayStore sets where a Handler remembers the webhook-ids it has
// handled, for example a store shared by several instances; nil turns the
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

// ReplayStore remembers the webhook-ids a Handler has handled, so that a
// message delivered twice reaches your function once. Implementations
// must be safe for concurrent use.
type ReplayStore interface {
	// Claim records id and reports whether it is new: false means it was
	// claimed before (and not released) and must not be handled again.
	Claim(ctx context.Context, id string) (bool, error)
	// Release forgets id, so that a redelivery is handled again; the
	// Handler calls it when your function fails.
	Release(ctx context.Context, id string) error
}

// MemoryStore is a ReplayStore in memory: the least recently seen ids go
// first when it is full, and an id is forgotten after its TTL.
type MemoryStore struct {
	capacity int
	ttl      time.Duration
	now      func() time.Time

	mu    sync.Mutex
	ids   map[string]*list.Element // of *claim
	order list.List                // least recently seen first
}

type claim struct {
	id      string
	expires time.Time
}

// NewMemoryStore returns a store of up to capacity ids (at least 1), each
// remembered for ttl (DefaultReplayTTL when ttl <= 0).
func NewMemoryStore(capacity int, ttl time.Duration) *MemoryStore {
	return newMemoryStore(capacity, ttl, time.Now)
}

func newMemoryStore(capacity int, ttl time.Duration, now func() time.Time) *MemoryStore {
	if ttl <= 0 {
		ttl = DefaultReplayTTL
	}
	return &MemoryStore{capacity: max(capacity, 1), ttl: ttl, now: now, ids: map[string]*list.Element{}}
}

// Claim implements ReplayStore.
func (m *MemoryStore) Claim(_ context.Context, id string) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.ids[id]; ok {
		if now.Before(el.Value.(*claim).expires) {
			m.order.MoveToBack(el)
			return false, nil
		}
		m.remove(el)
	}
	for m.order.Len() >= m.capacity {
		m.remove(m.order.Front())
	}
	m.ids[id] = m.order.PushBack(&claim{id: id, expires: now.Add(m.ttl)})
	return true, nil
}

// Release implements ReplayStore.
func (m *MemoryStore) Release(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.ids[id]; ok {
		m.remove(el)
	}
	return nil
}

func (m *MemoryStore) remove(el *list.Element) {
	delete(m.ids, el.Value.(*claim).id)
	m.order.Remove(el)
}

// Handler is an http.Handler that receives Loops' webhook deliveries. For
// each POST it reads the body (up to the size cap: 413 beyond), verifies
// it (401 on failure), decodes it (400 if it is not a valid payload),
// skips a webhook-id it has already handled (200), and calls your
// function: 204 when it returns nil, 500 when it returns an error, so
// that Loops delivers the message again. Your function runs only for
// verified, decoded, new messages. Build one with NewHandler.
type Handler struct {
	v       *Verifier
	fn      func(context.Context, Event) error
	maxBody int64
	store   ReplayStore
	log     *slog.Logger
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
	h := &Handler{v: v, fn: fn, maxBody: c.maxBody, store: c.store, log: c.logger}
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
		if errors.As(err, &tooBig) {
			h.refuse(r.Context(), w, http.StatusRequestEntityTooLarge, "body too large", err)
		} else {
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
		fresh, err := h.store.Claim(ctx, id)
		if err != nil {
			h.refuse(ctx, w, http.StatusInternalServerError, "replay store failed", err, "webhook_id", id, "event", ev.Name())
			return
		}
		if !fresh {
			h.log.LogAttrs(ctx, slog.LevelInfo, "webhooks: duplicate delivery skipped", slog.String("webhook_id", id), slog.String("event", ev.Name()))
			w.WriteHeader(http.StatusOK)
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
// before reading anything.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > h.maxBody {
		return nil, &http.MaxBytesError{Limit: h.maxBody}
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
}

// call runs the user's function; when it fails or panics, the claim on
// the id is released so that Loops' redelivery is handled.
func (h *Handler) call(ctx context.Context, id string, ev Event) (err error) {
	done := false
	defer func() {
		if !done || err != nil {
			if h.store != nil {
				if rerr := h.store.Release(context.WithoutCancel(ctx), id); rerr != nil {
					h.log.LogAttrs(ctx, slog.LevelError, "webhooks: releasing a failed delivery", slog.String("webhook_id", id), slog.Any("error", rerr))
				}
			}
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

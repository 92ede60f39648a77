package webhooks

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// ClaimState is what a ReplayStore holds for a webhook-id when a Handler
// claims it.
type ClaimState int

const (
	// Claimed means the id was new and is now recorded as in progress:
	// the caller handles the message, then calls Complete or Release.
	Claimed ClaimState = iota + 1
	// InProgress means another delivery of the id is being handled and
	// has not finished. The Handler answers 409 Conflict, so that Loops
	// delivers the message again later: if that first run fails, the
	// redelivery is handled; never a 2xx, which would lose it.
	InProgress
	// Completed means a delivery of the id was handled (its function
	// returned nil); the Handler answers 200 without calling it again.
	Completed
)

// String returns the state's name, such as "in progress".
func (s ClaimState) String() string {
	switch s {
	case Claimed:
		return "claimed"
	case InProgress:
		return "in progress"
	case Completed:
		return "completed"
	}
	return "unknown claim state"
}

// ReplayStore remembers the webhook-ids a Handler has seen, so that a
// message delivered twice reaches your function once, and only a message
// your function handled counts as done. Implementations must be safe for
// concurrent use.
//
// A store shared by several processes should let an in-progress claim
// lapse after a lease longer than your function's longest run: a process
// that dies mid-run never calls Complete or Release, and until the claim
// lapses every redelivery of that id is answered 409.
type ReplayStore interface {
	// Claim records id as in progress when the store does not hold it,
	// and returns Claimed. Otherwise it changes nothing and returns what
	// it holds: InProgress or Completed.
	Claim(ctx context.Context, id string) (ClaimState, error)
	// Complete records that id was handled: later deliveries of it are
	// duplicates. The Handler calls it when your function returns nil.
	Complete(ctx context.Context, id string) error
	// Release forgets id, so that a redelivery is handled again; the
	// Handler calls it when your function fails or panics.
	Release(ctx context.Context, id string) error
}

// MemoryStore is a ReplayStore in memory: the least recently seen ids go
// first when it is full, and an id, in progress or completed, is
// forgotten after its TTL.
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
	done    bool
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
func (m *MemoryStore) Claim(_ context.Context, id string) (ClaimState, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.ids[id]; ok {
		if c := el.Value.(*claim); now.Before(c.expires) {
			m.order.MoveToBack(el)
			if c.done {
				return Completed, nil
			}
			return InProgress, nil
		}
		m.remove(el)
	}
	m.add(&claim{id: id, expires: now.Add(m.ttl)})
	return Claimed, nil
}

// Complete implements ReplayStore. An id the store no longer holds (it
// was pushed out while in progress) is recorded again, as completed.
func (m *MemoryStore) Complete(_ context.Context, id string) error {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.ids[id]; ok {
		m.remove(el)
	}
	m.add(&claim{id: id, done: true, expires: now.Add(m.ttl)})
	return nil
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

// add records c as the most recently seen id, making room first.
func (m *MemoryStore) add(c *claim) {
	for m.order.Len() >= m.capacity {
		m.remove(m.order.Front())
	}
	m.ids[c.id] = m.order.PushBack(c)
}

func (m *MemoryStore) remove(el *list.Element) {
	delete(m.ids, el.Value.(*claim).id)
	m.order.Remove(el)
}

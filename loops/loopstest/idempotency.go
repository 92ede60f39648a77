package loopstest

import (
	"net/http"
	"time"
)

// idempotencyWindow is how long Loops remembers an Idempotency-Key.
const idempotencyWindow = 24 * time.Hour

// idempotencyHeader is the request header both send endpoints accept.
const idempotencyHeader = "Idempotency-Key"

// idemEntry tracks one Idempotency-Key.
type idemEntry struct {
	first     time.Time // when the current window started
	processed int       // requests carrying the key that were processed
}

// idempotent runs process, a send, unless the request's Idempotency-Key
// was used by a processed request within the window: such a request is
// answered 409 and not processed again. Only processed requests consume a
// key, so one refused with 400 or 404 may be retried with the same key
// once fixed. The caller holds s.mu throughout, so two concurrent requests
// with one key cannot both get through.
func (s *Server) idempotent(c *call, process func(key string) *response) *response {
	key := c.r.Header.Get(idempotencyHeader)
	e := s.idem[key]
	fresh := e.processed == 0 || c.now.Sub(e.first) >= idempotencyWindow
	if key != "" && !fresh {
		return failure(http.StatusConflict, "Idempotency key has already been used.")
	}
	resp := process(key)
	if key != "" && resp.status == http.StatusOK {
		if fresh {
			e.first = c.now
		}
		e.processed++
		s.idem[key] = e
	}
	return resp
}

// IdempotencyCount returns how many requests carrying the Idempotency-Key
// key were processed, across both send endpoints. A client that retries
// correctly after ProcessThenDrop leaves it at exactly 1.
func (s *Server) IdempotencyCount(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idem[key].processed
}

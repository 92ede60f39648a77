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

// keyUsed reports whether key was used by a processed request within the
// window; such a request is answered 409 and not processed again. The
// caller holds s.mu, and keeps holding it until the request is processed
// and the key consumed, so two concurrent requests with one key cannot
// both get through.
func (s *Server) keyUsed(key string, now time.Time) bool {
	e, ok := s.idem[key]
	return ok && e.processed > 0 && now.Sub(e.first) < idempotencyWindow
}

// consumeKey records that a request carrying key was processed. Only
// processed requests consume a key: one refused with 400 or 404 may be
// retried with the same key once fixed. The caller holds s.mu.
func (s *Server) consumeKey(key string, now time.Time) {
	if key == "" {
		return
	}
	e, ok := s.idem[key]
	if !ok {
		e = &idemEntry{}
		s.idem[key] = e
	}
	if e.processed == 0 || now.Sub(e.first) >= idempotencyWindow {
		e.first = now
	}
	e.processed++
}

// keyReused is the answer to a request whose key was already used.
func keyReused() *response {
	return failure(http.StatusConflict, "Idempotency key has already been used.")
}

// IdempotencyCount returns how many requests carrying the Idempotency-Key
// key were processed, across both send endpoints. A client that retries
// correctly after ProcessThenDrop leaves it at exactly 1.
func (s *Server) IdempotencyCount(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.idem[key]; ok {
		return e.processed
	}
	return 0
}

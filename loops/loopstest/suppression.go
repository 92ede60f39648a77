package loopstest

import (
	"net/http"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// removalWindow is the rolling period of the suppression removal quota.
const removalWindow = 30 * 24 * time.Hour

func (s *Server) getSuppression(c *call) *response {
	id, bad := oneIdentifier(c.r.URL.Query())
	if bad != nil {
		return bad
	}
	ct := s.match(id)
	if ct == nil {
		return failure(http.StatusNotFound, msgContactNotFound)
	}
	identity := object{"id": ct["id"], "email": ct["email"], "userId": ct["userId"]}
	return s.answer(c.rt, object{"contact": identity, "isSuppressed": s.suppressed[ct["id"].(string)], "removalQuota": s.quota(c.now)})
}

func (s *Server) removeSuppression(c *call) *response {
	id, bad := oneIdentifier(c.r.URL.Query())
	if bad != nil {
		return bad
	}
	ct := s.match(id)
	switch {
	case ct == nil:
		return failure(http.StatusNotFound, msgContactNotFound)
	case !s.suppressed[ct["id"].(string)]:
		return failure(http.StatusBadRequest, "Contact is not suppressed.")
	case s.quota(c.now).Remaining == 0:
		return failure(http.StatusBadRequest, "Suppression removal quota exhausted; try again later.")
	}
	delete(s.suppressed, ct["id"].(string))
	s.removals = append(s.removals, c.now)
	return s.answer(c.rt, object{"success": true, "message": "Email removed from suppression list.", "removalQuota": s.quota(c.now)})
}

// quota counts the removals made in the window ending now. The caller
// holds s.mu.
func (s *Server) quota(now time.Time) loops.SuppressionQuota {
	used := 0
	for _, t := range s.removals {
		if now.Sub(t) < removalWindow {
			used++
		}
	}
	return loops.SuppressionQuota{Limit: s.cfg.removalLimit, Remaining: max(s.cfg.removalLimit-used, 0)}
}

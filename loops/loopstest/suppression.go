package loopstest

import (
	"net/http"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// removalWindow is the rolling period of the suppression removal quota.
const removalWindow = 30 * 24 * time.Hour

// suppressionStatus is the answer of GET /v1/contacts/suppression; it is
// written here rather than with loops.ContactSuppressionStatus because the
// contact's userId must be able to be null.
type suppressionStatus struct {
	Contact struct {
		ID     string  `json:"id"`
		Email  string  `json:"email"`
		UserID *string `json:"userId"`
	} `json:"contact"`
	IsSuppressed bool                   `json:"isSuppressed"`
	RemovalQuota loops.SuppressionQuota `json:"removalQuota"`
}

func (s *Server) getSuppression(c *call) *response {
	id, bad := oneIdentifier(c.r.URL.Query())
	if bad != nil {
		return bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ct := s.match(id)
	if ct == nil {
		return failure(http.StatusNotFound, msgContactNotFound)
	}
	var out suppressionStatus
	out.Contact.ID, out.Contact.Email, out.Contact.UserID = ct.id, ct.email, ct.userID
	out.IsSuppressed = ct.suppressed
	out.RemovalQuota = s.quota(c.now)
	return newJSON(http.StatusOK, out)
}

func (s *Server) removeSuppression(c *call) *response {
	id, bad := oneIdentifier(c.r.URL.Query())
	if bad != nil {
		return bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ct := s.match(id)
	switch {
	case ct == nil:
		return failure(http.StatusNotFound, msgContactNotFound)
	case !ct.suppressed:
		return failure(http.StatusBadRequest, "Contact is not suppressed.")
	case s.quota(c.now).Remaining == 0:
		return failure(http.StatusBadRequest, "Suppression removal quota exhausted; try again later.")
	}
	ct.suppressed = false
	s.removals = append(s.removals, c.now)
	return newJSON(http.StatusOK, loops.ContactSuppressionRemoval{
		Success:      true,
		Message:      "Email removed from suppression list.",
		RemovalQuota: s.quota(c.now),
	})
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

package loopstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// FeedbackLimit is how many feedback reports a team can send in
// FeedbackWindow, as Loops' docs (1.25.0) state; the next one answers 429.
const (
	FeedbackLimit  = 20
	FeedbackWindow = 24 * time.Hour
)

// Feedback is a report filed through POST /v1/feedback.
type Feedback struct {
	// Details is the report's text, as sent.
	Details string
	// NotifyWhenAvailable is the flag as sent; false when left out.
	NotifyWhenAvailable bool
	// Raw is the request body as sent.
	Raw json.RawMessage
	// Time is when the report was filed, by the server's clock.
	Time time.Time
}

func (f Feedback) clone() Feedback {
	f.Raw = slices.Clone(f.Raw)
	return f
}

// sendFeedback files a report unless the team has filed FeedbackLimit in
// the FeedbackWindow ending now. Loops publishes no body for the quota's
// 429, so the fake's says in words which limit was hit.
func (s *Server) sendFeedback(c *call) *response {
	recent := 0
	for _, f := range s.feedback {
		if c.now.Sub(f.Time) < FeedbackWindow {
			recent++
		}
	}
	if recent >= FeedbackLimit {
		return failure(http.StatusTooManyRequests, fmt.Sprintf(
			"Feedback limit reached: a team can send %d reports in %d hours.", FeedbackLimit, int(FeedbackWindow.Hours())))
	}
	details, _ := c.obj["details"].(string)
	notify, _ := c.obj["notifyWhenAvailable"].(bool)
	s.feedback = append(s.feedback, Feedback{Details: details, NotifyWhenAvailable: notify, Raw: slices.Clone(c.body), Time: c.now})
	return s.answer(c.rt, object{"success": true})
}

// Feedback returns the reports filed so far, in order. Reports refused
// (by a fault, the contract, the rate limiter or the feedback quota) are
// not included; Requests shows them.
func (s *Server) Feedback() []Feedback { return copies(s, &s.feedback, Feedback.clone) }

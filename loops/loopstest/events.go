package loopstest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Event is an event the server processed.
type Event struct {
	// Name is the eventName.
	Name string
	// Email is the email address as sent ("" when left out).
	Email string
	// UserID is the user ID as sent ("" when left out).
	UserID string
	// ContactID is the contact the event was recorded for, created by the
	// event if it did not exist.
	ContactID string
	// Properties are the eventProperties, which belong to this event only.
	Properties map[string]any
	// ContactProperties are the extra top-level keys, which updated the
	// contact; a nil value is a JSON null, which cleared the property.
	ContactProperties map[string]any
	// MailingLists are the subscription changes sent with the event.
	MailingLists map[string]bool
	// IdempotencyKey is the Idempotency-Key header, "" when absent.
	IdempotencyKey string
	// Raw is the request body as sent.
	Raw json.RawMessage
	// Time is when the event was processed, by the server's clock.
	Time time.Time
}

// eventKeys are the event body keys that are not contact properties.
var eventKeys = map[string]bool{
	"email": true, "userId": true, "eventName": true, "eventProperties": true, "mailingLists": true,
}

// sendEvent applies Loops' rules on the event name and email (the
// contract has made sure of a name and an identifier), then records the
// event for the contact, which is created from the email when none
// matches, as Loops does; unlike an update, an event never changes an
// existing contact's identifiers.
func (s *Server) sendEvent(c *call) *response {
	name, _ := c.obj["eventName"].(string)
	id := identityOf(c.obj)
	switch {
	case strings.Contains(name, ":"):
		return failure(http.StatusBadRequest, "eventName may not contain ':'.")
	case id.email != "" && !validEmail(id.email):
		return failure(http.StatusBadRequest, msgInvalidEmail)
	}
	return s.idempotent(c, func(key string) *response {
		if bad := s.checkWrite(c.obj, eventKeys); bad != nil {
			return bad
		}
		ct, bad := s.lookup(id)
		if bad == nil && ct == nil {
			ct, bad = s.upsertTarget(id)
		}
		if bad != nil {
			return bad
		}
		s.applyWrite(ct, c.obj, eventKeys)
		props, _ := c.obj["eventProperties"].(map[string]any)
		contactProps := maps.Clone(c.obj) // never nil: the contract requires a body
		maps.DeleteFunc(contactProps, func(k string, _ any) bool { return eventKeys[k] })
		s.events = append(s.events, Event{
			Name:              name,
			Email:             id.email,
			UserID:            id.userID,
			ContactID:         ct["id"].(string),
			Properties:        cloneMap(props),
			ContactProperties: contactProps,
			MailingLists:      listsOf(c.obj),
			IdempotencyKey:    key,
			Raw:               slices.Clone(c.body),
			Time:              c.now,
		})
		return s.answer(c.rt, object{"success": true})
	})
}

func (e Event) clone() Event {
	e.Properties = cloneMap(e.Properties)
	e.ContactProperties = cloneMap(e.ContactProperties)
	e.MailingLists = maps.Clone(e.MailingLists)
	e.Raw = slices.Clone(e.Raw)
	return e
}

// Events returns the events processed so far, in order. Events refused (by
// a fault, the contract, the key, the rate limiter or an idempotency
// conflict) are not included; Requests shows them.
func (s *Server) Events() []Event { return copies(s, &s.events, Event.clone) }

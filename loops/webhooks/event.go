package webhooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// ErrInvalidPayload is matched (errors.Is) by the error of a body that
// is not a JSON object with a string eventName, or whose fields do not
// have the types of its event.
var ErrInvalidPayload = errors.New("webhooks: invalid payload")

// Event is one decoded webhook payload. Its dynamic type is a pointer to
// one of the 17 event types of this package, such as *ContactCreated, or
// *Unknown for an event this version does not know; a type switch tells
// them apart. The interface is sealed: only this package implements it.
type Event interface {
	// Name returns the event's name (eventName), such as "contact.created".
	Name() string
	// Time returns when the event happened (eventTime), in UTC.
	Time() time.Time
	// decode reads the payload into the event.
	decode(r *reader) error
}

// Unknown is an event whose eventName this version of the package does
// not know, kept so that a handler need not fail when Loops adds one.
type Unknown struct {
	// EventName is the payload's eventName.
	EventName string
	// EventTime is the payload's eventTime in Unix seconds, or 0 when it is
	// not an integer.
	EventTime int
	// WebhookSchemaVersion is the payload's webhookSchemaVersion, or "".
	WebhookSchemaVersion string
	// Raw is the whole payload as Loops sent it.
	Raw json.RawMessage
}

// Name returns the payload's eventName.
func (e *Unknown) Name() string { return e.EventName }

// Time returns eventTime in UTC, or the Unix epoch when it was not an
// integer.
func (e *Unknown) Time() time.Time { return unixTime(e.EventTime) }

// MarshalJSON returns Raw, so that an Unknown event encodes as it came.
func (e *Unknown) MarshalJSON() ([]byte, error) {
	if len(e.Raw) == 0 {
		return json.Marshal(map[string]any{"eventName": e.EventName, "eventTime": e.EventTime, "webhookSchemaVersion": e.WebhookSchemaVersion})
	}
	return e.Raw, nil
}

// decode reads the fields every payload has, leniently, and checks the
// syntax of everything else.
func (e *Unknown) decode(r *reader) error {
	return r.object(func(key string) error {
		switch c := r.peek(); {
		case key == "eventName" && c == '"':
			return readString(r, &e.EventName)
		case key == "eventName":
			return r.fail("eventName is not a string")
		case key == "eventTime" && (c == '-' || '0' <= c && c <= '9'):
			if readInt(r, &e.EventTime) != nil {
				e.EventTime = 0
			}
			return nil
		case key == "webhookSchemaVersion" && c == '"':
			return readString(r, &e.WebhookSchemaVersion)
		}
		return r.skip()
	})
}

// Parse decodes a webhook payload into its event type, chosen by its
// eventName. It does not verify the payload: use Verifier.Parse, or a
// Handler, on anything that arrives over the network.
//
// Decoding is lenient where Loops may grow: unknown fields are ignored,
// custom contact properties are kept in Contact.AdditionalProperties, and
// an unknown eventName gives an *Unknown event, not an error. A body that
// is not a JSON object with a string eventName, or whose known fields have
// the wrong type, gives an error matching ErrInvalidPayload.
func Parse(body []byte) (Event, error) {
	s := string(body)
	ev := newEvent(leadingName(s))
	if ev == nil {
		// eventName is not the first key: find it first.
		var head Unknown
		r := reader{s: s}
		if err := r.top(head.decode); err != nil {
			return nil, err
		}
		if head.EventName == "" {
			return nil, r.fail("no eventName")
		}
		if ev = newEvent(head.EventName); ev == nil {
			head.Raw = bytes.Clone(body)
			return &head, nil
		}
	}
	r := reader{s: s}
	if err := r.top(ev.decode); err != nil {
		return nil, err
	}
	return ev, nil
}

// leadingName returns the eventName of a payload that starts with it, as
// Loops' payloads do, so that Parse reads them once; or nil.
func leadingName(body string) string {
	r := reader{s: body}
	if r.peek() != '{' {
		return ""
	}
	r.i++
	if r.peek() != '"' {
		return ""
	}
	if key, plain, err := r.quoted(); err != nil || !plain || key != "eventName" || r.peek() != ':' {
		return ""
	}
	r.i++
	if r.peek() != '"' {
		return ""
	}
	name, plain, err := r.quoted()
	if err != nil || !plain {
		return ""
	}
	return name
}

// readEventName reads the eventName of an event whose type was chosen by
// name: a payload that repeats eventName with another value is refused.
func readEventName[T ~string](r *reader, p *T, name T) error {
	if r.peek() != '"' {
		return r.fail("eventName is not a string")
	}
	got, err := r.key()
	if err == nil && got != string(name) {
		err = r.fail("eventName is given twice, with different values")
	}
	*p = name
	return err
}

// unixTime converts an eventTime.
func unixTime(sec int) time.Time { return time.Unix(int64(sec), 0).UTC() }

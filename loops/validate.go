package loops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Local checks that run before anything is sent. Each returns a
// *ValidationError naming the call and the field, so a mistake never costs
// a request (or, worse, reaches the wrong contact).

// The checks the contract names (x-go check) for its operations' bodies.
// Each is called with the body as given, which may be nil.

func checkEvent(op string, req *EventRequest) error {
	if req == nil {
		return nil
	}
	return firstError(
		checkEitherIdentifier(op, req.Email, req.UserID),
		checkEventProperties(op, req.EventProperties),
		checkCustomProperties(op, req.AdditionalProperties, eventFields),
	)
}

func checkTransactional(op string, req *TransactionalRequest) error {
	if req == nil {
		return nil
	}
	return firstError(checkDataVariables(op, req.DataVariables), checkAttachments(op, req.Attachments))
}

func checkContactCreate(op string, req *ContactCreateRequest) error {
	if req == nil {
		return nil
	}
	return checkCustomProperties(op, req.AdditionalProperties, contactFields)
}

func checkContactUpdate(op string, req *ContactUpdateRequest) error {
	if req == nil {
		return nil
	}
	return firstError(checkEitherIdentifier(op, req.Email, req.UserID), checkCustomProperties(op, req.AdditionalProperties, contactFields))
}

func checkLookup(op string, l ContactLookup) error {
	switch {
	case l.Email == "" && l.UserID == "":
		return invalid(op, "email/userId", "give one of Email or UserID")
	case l.Email != "" && l.UserID != "":
		return invalid(op, "email/userId", "give only one of Email or UserID, not both")
	}
	return nil
}

// checkEitherIdentifier enforces "email or userId, at least one", which
// the contract states as anyOf (the generated Validate checks that neither
// is set to "").
func checkEitherIdentifier(op string, email, userID *string) error {
	if (email == nil || *email == "") && (userID == nil || *userID == "") {
		return invalid(op, "email/userId", "give Email or UserID (or both)")
	}
	return nil
}

// checkPath refuses a path parameter that would not name one resource:
// empty, or a dot segment ("." or "..") that a URL resolver collapses into
// another path. Everything else is percent-escaped into one segment by
// the generated client.
func checkPath(op, field, value string) error {
	switch value {
	case "":
		return invalid(op, field, "is required")
	case ".", "..":
		return invalid(op, field, "cannot be "+quote(value)+": it is not an ID")
	}
	return nil
}

// contactFields are the standard keys of a contact write; a custom
// property of the same name would silently overwrite them on the wire.
var contactFields = []string{"email", "firstName", "lastName", "source", "subscribed", "userGroup", "userId", "mailingLists"}

// eventFields are the keys of an event besides contact properties.
var eventFields = []string{"email", "userId", "eventName", "eventProperties", "mailingLists"}

// checkCustomProperties checks the extra top-level keys of a contact or
// event write: a name that is not one of the standard fields, and a value
// that is a string, number, boolean or nil (nil clears the property).
func checkCustomProperties(op string, props map[string]any, reserved []string) error {
	for name, v := range props {
		field := "custom property " + quote(name)
		if name == "" {
			return invalid(op, "custom property", "has an empty name")
		}
		for _, r := range reserved {
			if name == r {
				return invalid(op, field, "clashes with the standard field of that name; set the field instead")
			}
		}
		if v != nil && !isScalar(v) {
			return invalid(op, field, fmt.Sprintf("has a %T; want a string, number, boolean or nil", v))
		}
	}
	return nil
}

func checkEventProperties(op string, props map[string]any) error {
	return checkScalars(op, "event property ", props)
}

// checkDataVariables accepts what encodes to the contract's shapes: a
// string, number or boolean, or, for an array block, a list of objects
// whose values are such scalars. Any Go value that encodes so is fine: a
// named string type, a []Item of structs (with json tags or not), a
// []map[string]string. Only what cannot is refused.
func checkDataVariables(op string, vars map[string]any) error {
	for name, v := range vars {
		if isScalar(v) {
			continue
		}
		field := "data variable " + quote(name)
		raw, err := json.Marshal(v)
		if err != nil {
			return invalid(op, field, fmt.Sprintf("has a %T, which cannot be encoded as JSON: %v", v, err))
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var enc any
		_ = dec.Decode(&enc) // it is what json.Marshal just wrote
		switch enc := enc.(type) {
		case json.Number, string, bool:
		case []any:
			for i, item := range enc {
				obj, ok := item.(map[string]any)
				if !ok {
					return invalid(op, fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("encodes to %s; array variables hold objects", jsonKind(item)))
				}
				if err := checkScalars(op, fmt.Sprintf("%s[%d].", field, i), obj); err != nil {
					return err
				}
			}
		default:
			return invalid(op, field, fmt.Sprintf("has a %T, which encodes to %s; want a string, number, boolean or a list of objects", v, jsonKind(enc)))
		}
	}
	return nil
}

// jsonKind names the JSON type of a decoded value, for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}

// checkScalars requires every value of obj to be a string, number or
// boolean; a failure names the field as prefix + the quoted key.
func checkScalars(op, prefix string, obj map[string]any) error {
	for k, v := range obj {
		if !isScalar(v) {
			what := fmt.Sprintf("%T", v)
			if v == nil {
				what = "null"
			}
			return invalid(op, prefix+quote(k), "has a "+what+"; want a string, number or boolean")
		}
	}
	return nil
}

func isScalar(v any) bool {
	switch v.(type) {
	case string, bool, json.Number,
		int, int8, int16, int32, int64,
		uint, uint8, uint16, uint32, uint64,
		float32, float64:
		return true
	}
	return false
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// firstError returns the first failed check, so the caller gets one clear
// *ValidationError rather than a list.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkFeedback refuses a report whose details are only white space, which
// the contract's minimum length lets through: Loops' team could not act on
// it, and it would use up one of the team's 20 reports a day.
func checkFeedback(op string, req *FeedbackRequest) error {
	if req != nil && req.Details != "" && strings.TrimSpace(req.Details) == "" {
		return invalid(op, "details", "must say something: it is only white space")
	}
	return nil
}

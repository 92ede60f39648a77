package loops

import (
	"encoding/json"
	"fmt"
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
	return checkDataVariables(op, req.DataVariables)
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

// checkDataVariables accepts scalars and, for array blocks, lists of
// objects whose values are scalars.
func checkDataVariables(op string, vars map[string]any) error {
	for name, v := range vars {
		field := "data variable " + quote(name)
		switch v := v.(type) {
		case []map[string]any:
			for _, item := range v {
				if err := checkScalars(op, field+".", item); err != nil {
					return err
				}
			}
		case []any:
			for _, item := range v {
				obj, ok := item.(map[string]any)
				if !ok {
					return invalid(op, field, fmt.Sprintf("lists a %T; array variables hold objects", item))
				}
				if err := checkScalars(op, field+".", obj); err != nil {
					return err
				}
			}
		default:
			if !isScalar(v) {
				return invalid(op, field, fmt.Sprintf("has a %T; want a string, number, boolean or a list of objects", v))
			}
		}
	}
	return nil
}

// checkScalars requires every value of obj to be a string, number or
// boolean; a failure names the field as prefix + the quoted key.
func checkScalars(op, prefix string, obj map[string]any) error {
	for k, v := range obj {
		if !isScalar(v) {
			return invalid(op, prefix+quote(k), fmt.Sprintf("has a %T; want a string, number or boolean", v))
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

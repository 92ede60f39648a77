package loops

import "github.com/oapi-codegen/nullable"

// The request and response types are the generated models of package gen,
// re-exported under the same names, enum values included (types.gen.go),
// so that most programs import only this package. Their fields and JSON
// shapes are defined by openapi/loops.yaml. The names below are the few
// that are not models.
type (
	// MailingListSubscriptions maps list IDs to true (subscribe) or false
	// (unsubscribe), as the MailingLists fields of contact and event
	// writes take them.
	MailingListSubscriptions = map[string]bool
)

// Nullable is a field that can be left out, set to null, or set to a value.
// The zero value is left out (not sent).
type Nullable[T any] = nullable.Nullable[T]

// Value returns a Nullable set to v.
func Value[T any](v T) Nullable[T] { return nullable.NewNullableWithValue(v) }

// Null returns a Nullable that is sent as JSON null, which clears the field.
func Null[T any]() Nullable[T] { return nullable.NewNullNullable[T]() }

// NullIfNil returns a Nullable holding *p, or null when p is nil: the way
// to pass back a revision ID that an answer gave as a pointer.
func NullIfNil[T any](p *T) Nullable[T] {
	if p == nil {
		return Null[T]()
	}
	return Value(*p)
}

// String returns a pointer to s.
//
// Deprecated: Go 1.26's new(expr) does the same: new("ada@example.com").
//
//go:fix inline
func String(s string) *string { return new(s) }

// Bool returns a pointer to b.
//
// Deprecated: Go 1.26's new(expr) does the same: new(false).
//
//go:fix inline
func Bool(b bool) *bool { return new(b) }

// ContactLookup identifies one contact by exactly one of Email or UserID,
// as find, delete and the suppression calls require. Build it with
// [ByEmail] or [ByUserID].
type ContactLookup struct {
	// Email is the contact's email address, or "".
	Email string
	// UserID is your user ID for the contact, or "".
	UserID string
}

// ByEmail looks a contact up by email address.
func ByEmail(email string) ContactLookup { return ContactLookup{Email: email} }

// ByUserID looks a contact up by your own user ID.
func ByUserID(userID string) ContactLookup { return ContactLookup{UserID: userID} }

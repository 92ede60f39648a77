package loops

import (
	"github.com/oapi-codegen/nullable"

	"github.com/loopsdev/loops-go/gen"
)

// The request and response types are the generated models of package gen,
// re-exported so that most programs import only this package. Their fields
// and JSON shapes are defined by openapi/loops.yaml.
type (
	// Contact is a contact as Loops returns it; custom properties are in
	// AdditionalProperties (read one with contact.Get("planName")).
	Contact = gen.Contact
	// ContactCreateRequest is the body of Contacts.Create. Custom
	// properties go in AdditionalProperties; a nil value there clears one.
	ContactCreateRequest = gen.ContactCreateRequest
	// ContactUpdateRequest is the body of Contacts.Update: fields left
	// zero are not sent, [Null] clears a field, and Subscribed is sent only
	// when non-nil.
	ContactUpdateRequest = gen.ContactUpdateRequest
	// ContactSuccessResponse carries the ID of a created or updated contact.
	ContactSuccessResponse = gen.ContactSuccessResponse
	// MessageResponse is a success flag with Loops' message.
	MessageResponse = gen.MessageResponse
	// SuccessResponse is Loops' bare {"success": true}.
	SuccessResponse = gen.SuccessResponse
	// APIKeyResponse names the team an API key belongs to.
	APIKeyResponse = gen.APIKeyResponse
	// ContactSuppressionStatus says whether a contact is suppressed.
	ContactSuppressionStatus = gen.ContactSuppressionStatus
	// ContactSuppressionRemoval is the answer to lifting a suppression.
	ContactSuppressionRemoval = gen.ContactSuppressionRemoval
	// SuppressionQuota counts suppression removals in a rolling 30 days.
	SuppressionQuota = gen.SuppressionQuota
	// ContactIdentity identifies the contact a suppression answer is about.
	ContactIdentity = gen.ContactIdentity
	// ContactProperty describes a standard or custom contact property.
	ContactProperty = gen.ContactProperty
	// ContactPropertyType is the type of a custom property.
	ContactPropertyType = gen.ContactPropertyType
	// ContactPropertyFilter chooses all properties or only custom ones.
	ContactPropertyFilter = gen.ContactPropertyFilter
	// MailingList is one of the team's mailing lists.
	MailingList = gen.MailingList
	// MailingListSubscriptions maps list IDs to true (subscribe) or false
	// (unsubscribe), as the MailingLists fields of contact and event
	// writes take them.
	MailingListSubscriptions = map[string]bool
	// OptInStatus is a contact's double opt-in state.
	OptInStatus = gen.ContactOptInStatus
	// EventRequest is the body of Events.Send. Contact properties to
	// update go in AdditionalProperties.
	EventRequest = gen.EventRequest
	// TransactionalRequest is the body of Transactional.Send.
	TransactionalRequest = gen.TransactionalRequest
	// Attachment is a file sent with a transactional email; Data holds the
	// raw bytes (base64 on the wire).
	Attachment = gen.Attachment
	// TransactionalEmail is a published transactional email template.
	TransactionalEmail = gen.TransactionalEmail
	// TransactionalEmailList is one page of published transactional emails.
	TransactionalEmailList = gen.TransactionalEmailList
	// Pagination describes a page and where the next one starts.
	Pagination = gen.Pagination
)

// Contact property types and filters.
const (
	PropertyTypeString  = gen.ContactPropertyTypeString
	PropertyTypeNumber  = gen.ContactPropertyTypeNumber
	PropertyTypeBoolean = gen.ContactPropertyTypeBoolean
	PropertyTypeDate    = gen.ContactPropertyTypeDate

	AllProperties    = gen.ContactPropertyFilterAll
	CustomProperties = gen.ContactPropertyFilterCustom
)

// Double opt-in states.
const (
	OptInAccepted = gen.ContactOptInStatusAccepted
	OptInPending  = gen.ContactOptInStatusPending
	OptInRejected = gen.ContactOptInStatusRejected
)

// Nullable is a field that can be left out, set to null, or set to a value.
// The zero value is left out (not sent).
type Nullable[T any] = nullable.Nullable[T]

// Value returns a Nullable set to v.
func Value[T any](v T) Nullable[T] { return nullable.NewNullableWithValue(v) }

// Null returns a Nullable that is sent as JSON null, which clears the field.
func Null[T any]() Nullable[T] { return nullable.NewNullNullable[T]() }

// String returns a pointer to s, for optional fields.
func String(s string) *string { return &s }

// Bool returns a pointer to b, for optional fields such as Subscribed.
func Bool(b bool) *bool { return &b }

// ContactLookup identifies one contact by exactly one of Email or UserID,
// as find, delete and the suppression calls require. Build it with
// [ByEmail] or [ByUserID].
type ContactLookup struct {
	Email  string
	UserID string
}

// ByEmail looks a contact up by email address.
func ByEmail(email string) ContactLookup { return ContactLookup{Email: email} }

// ByUserID looks a contact up by your own user ID.
func ByUserID(userID string) ContactLookup { return ContactLookup{UserID: userID} }

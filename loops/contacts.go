package loops

import (
	"context"

	"github.com/loopsdev/loops-go/gen"
)

// Find returns the contact matching the lookup, custom properties
// included.
//
// When none matches, Loops answers 200 with an empty list, so the error
// is not an *APIError: it matches [ErrNotFound] with errors.Is and reads
// "loops: Contacts.Find: no contact matches". (Delete of an unknown contact
// is a real 404 and an *APIError.)
func (s *ContactsService) Find(ctx context.Context, who ContactLookup, opts ...CallOption) (*Contact, error) {
	const op = "Contacts.Find"
	if err := checkLookup(op, who); err != nil {
		return nil, err
	}
	found, err := clientOf(s).findContact(ctx, op, opts, &gen.FindContactParams{Email: optional(who.Email), UserID: optional(who.UserID)})
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, errNoContact{op}
	}
	return &found[0], nil
}

// Delete deletes the contact matching the lookup. An unknown contact gives
// an *APIError with status 404, matching [ErrNotFound]. (Loops' answer
// carries only a message; WithResponseInfo shows it.)
func (s *ContactsService) Delete(ctx context.Context, who ContactLookup, opts ...CallOption) error {
	const op = "Contacts.Delete"
	if err := checkLookup(op, who); err != nil {
		return err
	}
	return clientOf(s).deleteContact(ctx, op, opts, &ContactDeleteRequest{Email: optional(who.Email), UserID: optional(who.UserID)})
}

// Suppression tells whether the contact is suppressed (Loops stopped
// emailing it after bounces or complaints) and how many removals are left.
func (s *ContactsService) Suppression(ctx context.Context, who ContactLookup, opts ...CallOption) (*ContactSuppressionStatus, error) {
	const op = "Contacts.Suppression"
	if err := checkLookup(op, who); err != nil {
		return nil, err
	}
	return clientOf(s).getContactSuppression(ctx, op, opts, &gen.GetContactSuppressionParams{Email: optional(who.Email), UserID: optional(who.UserID)})
}

// RemoveSuppression lifts the contact's suppression, using one removal of
// the team's 30-day quota. A contact that is not suppressed gives an error
// matching [ErrBadRequest]. It is not retried after a 5xx or a timeout.
func (s *ContactsService) RemoveSuppression(ctx context.Context, who ContactLookup, opts ...CallOption) (*ContactSuppressionRemoval, error) {
	const op = "Contacts.RemoveSuppression"
	if err := checkLookup(op, who); err != nil {
		return nil, err
	}
	return clientOf(s).removeContactSuppression(ctx, op, opts, &gen.RemoveContactSuppressionParams{Email: optional(who.Email), UserID: optional(who.UserID)})
}

// errNoContact reports a find that matched nothing. It matches ErrNotFound;
// the lookup value (an email address) stays out of the message.
type errNoContact struct{ op string }

func (e errNoContact) Error() string        { return "loops: " + e.op + ": no contact matches" }
func (e errNoContact) Is(target error) bool { return target == ErrNotFound }

// optional maps "" to an absent parameter.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

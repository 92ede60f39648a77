package loopstest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/loopsdev/loops-go/loops"
)

// A contact is stored as the JSON object find answers with: the standard
// fields, null where unset (but source and userGroup, which a clear leaves
// empty: webhooks carry them as plain strings), mailingLists holding the
// subscribed lists, and custom properties as further top-level keys.
// Whether a contact is suppressed is kept apart, in s.suppressed, so that
// no custom property can collide with it.

// identity is how a request names a contact; "" means not given.
type identity struct {
	email  string
	userID string
}

// contactKeys are the body keys that identify a contact or are handled
// apart from the other fields; every other key is a contact field.
var contactKeys = map[string]bool{"email": true, "userId": true, "mailingLists": true}

// reservedKeys are fields Loops sets itself and a write may not.
var reservedKeys = map[string]bool{"id": true, "optInStatus": true}

const (
	msgContactExists   = "Email or userId is already on list."
	msgContactNotFound = "Contact not found."
	msgBothIdentifiers = "Provide either email or userId, not both."
	msgNoIdentifier    = "Provide email or userId."
	msgInvalidEmail    = "Invalid email address."
)

func (s *Server) createContact(c *call) *response {
	id := identityOf(c.obj)
	if !validEmail(id.email) {
		return failure(http.StatusBadRequest, msgInvalidEmail)
	}
	if s.contactBy("email", id.email) != nil || s.contactBy("userId", id.userID) != nil {
		return failure(http.StatusConflict, msgContactExists)
	}
	if bad := s.checkWrite(c.obj, contactKeys); bad != nil {
		return bad
	}
	return s.written(s.addContact(id), c.obj)
}

// updateContact is Loops' upsert: it updates the contact matching email or
// userId (the contract makes sure of one), setting the other identifier
// when both are given, and creates the contact when none matches.
func (s *Server) updateContact(c *call) *response {
	id := identityOf(c.obj)
	if id.email != "" && !validEmail(id.email) {
		return failure(http.StatusBadRequest, msgInvalidEmail)
	}
	if bad := s.checkWrite(c.obj, contactKeys); bad != nil {
		return bad
	}
	ct, bad := s.upsertTarget(id)
	if bad != nil {
		return bad
	}
	return s.written(ct, c.obj)
}

// written applies a checked create or update to ct and answers with its id.
func (s *Server) written(ct, body object) *response {
	s.applyWrite(ct, body, contactKeys)
	return newJSON(http.StatusOK, loops.ContactSuccessResponse{Success: true, ID: ct["id"].(string)})
}

// upsertTarget finds or creates the contact an update or event is about,
// and gives it the identifiers of the request. The caller holds s.mu.
func (s *Server) upsertTarget(id identity) (object, *response) {
	ct, bad := s.lookup(id)
	if bad != nil {
		return nil, bad
	}
	if ct == nil {
		if id.email == "" {
			return nil, failure(http.StatusBadRequest, "No contact has this userId, and an email is needed to create one.")
		}
		return s.addContact(id), nil
	}
	setIdentity(ct, id)
	return ct, nil
}

// setIdentity gives ct the identifiers id holds.
func setIdentity(ct object, id identity) {
	if id.email != "" {
		ct["email"] = id.email
	}
	if id.userID != "" {
		ct["userId"] = id.userID
	}
}

func (s *Server) findContact(c *call) *response {
	id, bad := oneIdentifier(c.r.URL.Query())
	if bad != nil {
		return bad
	}
	found := []object{}
	if ct := s.match(id); ct != nil {
		found = append(found, ct)
	}
	return newJSON(http.StatusOK, found)
}

// deleteContact deletes the contact named by the one identifier the
// contract lets the body hold.
func (s *Server) deleteContact(c *call) *response {
	ct := s.match(identityOf(c.obj))
	if ct == nil {
		return failure(http.StatusNotFound, msgContactNotFound)
	}
	s.contacts = slices.DeleteFunc(s.contacts, func(o object) bool { return o["id"] == ct["id"] })
	delete(s.suppressed, ct["id"].(string))
	return newJSON(http.StatusOK, loops.MessageResponse{Success: true, Message: "Contact deleted."})
}

// Contacts returns every stored contact, oldest first.
func (s *Server) Contacts() []loops.Contact { return copies(s, &s.contacts, toContact) }

// toContact copies a stored contact into the generated model.
func toContact(ct object) loops.Contact { return as[loops.Contact](ct) }

// Contact returns the contact with this email address (compared without
// regard to case), if any.
func (s *Server) Contact(email string) (loops.Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ct := s.contactBy("email", email)
	return toContact(ct), ct != nil
}

// Suppress marks the contact with this email address as suppressed, as if
// it had bounced or complained, creating the contact if there is none.
func (s *Server) Suppress(email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ct := s.contactBy("email", email)
	if ct == nil {
		ct = s.addContact(identity{email: email})
	}
	s.suppressed[ct["id"].(string)] = true
}

// addContact stores a new contact with Loops' defaults. The caller holds s.mu.
func (s *Server) addContact(id identity) object {
	ct := object{"id": newID(), "email": id.email, "firstName": nil, "lastName": nil, "source": "API", "subscribed": true,
		"userGroup": "", "userId": nil, "mailingLists": object{}, "optInStatus": nil}
	setIdentity(ct, id)
	s.contacts = append(s.contacts, ct)
	if s.cfg.webhookURL != "" {
		s.created = append(s.created, ct)
	}
	return ct
}

// lookup finds the contact matching either identifier. A request whose
// email and userId belong to two different contacts is refused, since
// updating either would steal the other's identifier. The caller holds s.mu.
func (s *Server) lookup(id identity) (object, *response) {
	byEmail, byUser := object(nil), s.contactBy("userId", id.userID)
	if id.email != "" {
		byEmail = s.contactBy("email", id.email)
	}
	if byEmail != nil && byUser != nil && byEmail["id"] != byUser["id"] {
		// Loops' answer (and wording) when the identifiers name two contacts.
		return nil, failure(http.StatusBadRequest, "Multiple contacts found for the given criteria")
	}
	if byEmail != nil {
		return byEmail, nil
	}
	return byUser, nil
}

// match finds the contact named by exactly one identifier. The caller holds s.mu.
func (s *Server) match(id identity) object {
	if id.email != "" {
		return s.contactBy("email", id.email)
	}
	return s.contactBy("userId", id.userID)
}

// contactBy finds the contact whose email (compared without regard to
// case, as mail systems do) or userId is v; "" matches nothing.
// The caller holds s.mu.
func (s *Server) contactBy(key, v string) object {
	for _, ct := range s.contacts {
		if v != "" && (ct[key] == v || key == "email" && strings.EqualFold(str(ct[key]), v)) {
			return ct
		}
	}
	return nil
}

// checkWrite refuses, before anything changes, a write that names an
// unknown mailing list, sets a field Loops owns, or gives a standard field
// a value of the wrong type (possible in event bodies, where standard
// fields arrive as free-form contact properties). The caller holds s.mu.
func (s *Server) checkWrite(body map[string]any, skip map[string]bool) *response {
	for listID := range listsOf(body) {
		if !s.listExists(listID) {
			return failure(http.StatusBadRequest, fmt.Sprintf("Mailing list %q does not exist.", listID))
		}
	}
	for k, v := range body {
		if skip[k] || v == nil {
			continue
		}
		if reservedKeys[k] {
			return failure(http.StatusBadRequest, fmt.Sprintf("%q cannot be set.", k))
		}
		if want, ok := standardType(k); ok && jsonType(v) != want {
			return failure(http.StatusBadRequest, fmt.Sprintf("%q must be a %s.", k, want))
		}
	}
	return nil
}

// applyWrite applies a checked write body to ct: present keys change it,
// null clears, absent keys leave it alone. The caller holds s.mu.
func (s *Server) applyWrite(ct object, body map[string]any, skip map[string]bool) {
	for k, v := range body {
		_, standard := standardType(k)
		switch {
		case skip[k]:
		case k == "subscribed" && v == nil:
			// Only an explicit true or false changes a subscription.
		case v == nil && (k == "source" || k == "userGroup"):
			ct[k] = ""
		case v == nil && !standard:
			delete(ct, k)
		default:
			ct[k] = v
			if !standard {
				// A custom property first seen in a write is recorded,
				// typed after its value, so that the list shows it. (Loops
				// wants properties created first; the fake is lenient so
				// tests need no setup.)
				s.addProperty(k, jsonType(v))
			}
		}
	}
	lists := ct["mailingLists"].(map[string]any)
	for listID, on := range listsOf(body) {
		if on {
			lists[listID] = true
		} else {
			delete(lists, listID)
		}
	}
}

func identityOf(body map[string]any) identity {
	return identity{email: str(body["email"]), userID: str(body["userId"])}
}

// oneIdentifier reads the email or userId query parameter of find and the
// suppression calls, which take exactly one.
func oneIdentifier(q url.Values) (identity, *response) {
	id := identity{email: q.Get("email"), userID: q.Get("userId")}
	switch {
	case id.email != "" && id.userID != "":
		return id, failure(http.StatusBadRequest, msgBothIdentifiers)
	case id.email == "" && id.userID == "":
		return id, failure(http.StatusBadRequest, msgNoIdentifier)
	}
	return id, nil
}

// validEmail is deliberately loose: one "@" with something on each side.
func validEmail(email string) bool {
	local, domain, ok := strings.Cut(email, "@")
	return ok && local != "" && domain != "" && !strings.ContainsAny(email, " \t\r\n") && !strings.Contains(domain, "@")
}

// listsOf reads a body's mailingLists object.
func listsOf(body map[string]any) map[string]bool {
	raw, _ := body["mailingLists"].(map[string]any)
	out := make(map[string]bool, len(raw))
	for id, v := range raw {
		out[id], _ = v.(bool)
	}
	return out
}

// cloneMap deep-copies a decoded JSON object.
func cloneMap(m map[string]any) map[string]any { return as[map[string]any](m) }

// newID makes a cuid-like identifier: "c" and 24 base-36 characters.
func newID() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 25)
	b[0] = 'c'
	for i := 1; i < len(b); i++ {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

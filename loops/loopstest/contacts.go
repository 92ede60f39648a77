package loopstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/loopsdev/loops-go/loops"
)

// contact is a stored contact. Standard fields that Loops reports as null
// when unset are pointers; source and userGroup are plain strings because
// the contract has them as non-nullable strings.
type contact struct {
	id         string
	email      string
	firstName  *string
	lastName   *string
	source     string
	subscribed bool
	userGroup  string
	userID     *string
	lists      map[string]bool // subscribed list IDs; only true values are kept
	custom     map[string]any  // custom properties, by key
	suppressed bool
}

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
	body, bad := decodeObject(c.body)
	if bad != nil {
		return bad
	}
	id := identityOf(body)
	if !validEmail(id.email) {
		return failure(http.StatusBadRequest, msgInvalidEmail)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byEmail(id.email) != nil || (id.userID != "" && s.byUserID(id.userID) != nil) {
		return failure(http.StatusConflict, msgContactExists)
	}
	if bad := s.checkWrite(body, contactKeys); bad != nil {
		return bad
	}
	ct := s.addContact(id)
	s.applyWrite(ct, body, contactKeys)
	return newJSON(http.StatusOK, loops.ContactSuccessResponse{Success: true, ID: ct.id})
}

// updateContact is Loops' upsert: it updates the contact matching email or
// userId, setting the other identifier when both are given, and creates the
// contact when none matches.
func (s *Server) updateContact(c *call) *response {
	body, bad := decodeObject(c.body)
	if bad != nil {
		return bad
	}
	id := identityOf(body)
	if id.email == "" && id.userID == "" {
		return failure(http.StatusBadRequest, msgNoIdentifier)
	}
	if id.email != "" && !validEmail(id.email) {
		return failure(http.StatusBadRequest, msgInvalidEmail)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if bad := s.checkWrite(body, contactKeys); bad != nil {
		return bad
	}
	ct, bad := s.upsertTarget(id)
	if bad != nil {
		return bad
	}
	s.applyWrite(ct, body, contactKeys)
	return newJSON(http.StatusOK, loops.ContactSuccessResponse{Success: true, ID: ct.id})
}

// upsertTarget finds or creates the contact an update or event is about,
// and gives it the identifiers of the request. The caller holds s.mu.
func (s *Server) upsertTarget(id identity) (*contact, *response) {
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
	if id.email != "" {
		ct.email = id.email
	}
	if id.userID != "" {
		ct.userID = &id.userID
	}
	return ct, nil
}

func (s *Server) findContact(c *call) *response {
	id, bad := oneIdentifier(c.r.URL.Query())
	if bad != nil {
		return bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	found := []map[string]any{}
	if ct := s.match(id); ct != nil {
		found = append(found, ct.wire())
	}
	return newJSON(http.StatusOK, found)
}

func (s *Server) deleteContact(c *call) *response {
	body, bad := decodeObject(c.body)
	if bad != nil {
		return bad
	}
	id := identityOf(body)
	if bad := exactlyOne(id); bad != nil {
		return bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ct := s.match(id)
	if ct == nil {
		return failure(http.StatusNotFound, msgContactNotFound)
	}
	s.contacts = slices.DeleteFunc(s.contacts, func(o *contact) bool { return o == ct })
	return newJSON(http.StatusOK, loops.MessageResponse{Success: true, Message: "Contact deleted."})
}

// Contacts returns every stored contact, oldest first.
func (s *Server) Contacts() []loops.Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]loops.Contact, len(s.contacts))
	for i, ct := range s.contacts {
		out[i] = ct.toGen()
	}
	return out
}

// Contact returns the contact with this email address (compared without
// regard to case), if any.
func (s *Server) Contact(email string) (loops.Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ct := s.byEmail(email); ct != nil {
		return ct.toGen(), true
	}
	return loops.Contact{}, false
}

// Suppress marks the contact with this email address as suppressed, as if
// it had bounced or complained, creating the contact if there is none.
func (s *Server) Suppress(email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ct := s.byEmail(email)
	if ct == nil {
		ct = s.addContact(identity{email: email})
	}
	ct.suppressed = true
}

// addContact stores a new contact with Loops' defaults. The caller holds s.mu.
func (s *Server) addContact(id identity) *contact {
	ct := &contact{
		id:         newID(),
		email:      id.email,
		source:     "API",
		subscribed: true,
		lists:      map[string]bool{},
		custom:     map[string]any{},
	}
	if id.userID != "" {
		ct.userID = &id.userID
	}
	s.contacts = append(s.contacts, ct)
	if s.cfg.webhookURL != "" {
		s.created = append(s.created, ct)
	}
	return ct
}

// lookup finds the contact matching either identifier. A request whose
// email and userId belong to two different contacts is refused, since
// updating either would steal the other's identifier. The caller holds s.mu.
func (s *Server) lookup(id identity) (*contact, *response) {
	var byEmail, byUser *contact
	if id.email != "" {
		byEmail = s.byEmail(id.email)
	}
	if id.userID != "" {
		byUser = s.byUserID(id.userID)
	}
	if byEmail != nil && byUser != nil && byEmail != byUser {
		return nil, failure(http.StatusBadRequest, "The email and the userId belong to different contacts.")
	}
	if byEmail != nil {
		return byEmail, nil
	}
	return byUser, nil
}

// match finds the contact named by exactly one identifier. The caller holds s.mu.
func (s *Server) match(id identity) *contact {
	if id.email != "" {
		return s.byEmail(id.email)
	}
	return s.byUserID(id.userID)
}

// byEmail compares without regard to case, as mail systems do. The caller holds s.mu.
func (s *Server) byEmail(email string) *contact {
	for _, ct := range s.contacts {
		if strings.EqualFold(ct.email, email) {
			return ct
		}
	}
	return nil
}

// byUserID finds a contact by its userId. The caller holds s.mu.
func (s *Server) byUserID(userID string) *contact {
	for _, ct := range s.contacts {
		if ct.userID != nil && *ct.userID == userID {
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
		if want, ok := standardType(k); ok && !hasType(v, want) {
			return failure(http.StatusBadRequest, fmt.Sprintf("%q must be a %s.", k, want))
		}
	}
	return nil
}

// applyWrite applies a checked write body to ct: present keys change it,
// null clears, absent keys leave it alone. The caller holds s.mu.
func (s *Server) applyWrite(ct *contact, body map[string]any, skip map[string]bool) {
	for k, v := range body {
		if !skip[k] {
			s.applyField(ct, k, v)
		}
	}
	for listID, on := range listsOf(body) {
		if on {
			ct.lists[listID] = true
		} else {
			delete(ct.lists, listID)
		}
	}
}

// applyField sets one field or custom property. The caller holds s.mu.
func (s *Server) applyField(ct *contact, key string, v any) {
	switch key {
	case "firstName":
		ct.firstName = stringPtr(v)
	case "lastName":
		ct.lastName = stringPtr(v)
	case "source":
		ct.source, _ = v.(string)
	case "userGroup":
		ct.userGroup, _ = v.(string)
	case "subscribed":
		// Only an explicit true or false changes a subscription.
		if b, ok := v.(bool); ok {
			ct.subscribed = b
		}
	default:
		if v == nil {
			delete(ct.custom, key)
			return
		}
		ct.custom[key] = v
		s.registerProperty(key, v)
	}
}

// wire is the contact as find returns it: standard fields, null where
// unset, and custom properties as further top-level keys.
func (ct *contact) wire() map[string]any {
	out := maps.Clone(ct.custom)
	if out == nil {
		out = map[string]any{}
	}
	out["id"] = ct.id
	out["email"] = ct.email
	out["firstName"] = ct.firstName
	out["lastName"] = ct.lastName
	out["source"] = ct.source
	out["subscribed"] = ct.subscribed
	out["userGroup"] = ct.userGroup
	out["userId"] = ct.userID
	out["mailingLists"] = maps.Clone(ct.lists)
	out["optInStatus"] = nil
	return out
}

// toGen copies the contact into the generated model.
func (ct *contact) toGen() loops.Contact {
	source, group, subscribed := ct.source, ct.userGroup, ct.subscribed
	out := loops.Contact{
		ID:           ct.id,
		Email:        ct.email,
		FirstName:    clonePtr(ct.firstName),
		LastName:     clonePtr(ct.lastName),
		Source:       &source,
		Subscribed:   &subscribed,
		UserGroup:    &group,
		UserID:       clonePtr(ct.userID),
		MailingLists: maps.Clone(ct.lists),
	}
	if len(ct.custom) > 0 {
		out.AdditionalProperties = cloneMap(ct.custom)
	}
	return out
}

// decodeObject parses a JSON object body. The contract check has already
// refused anything else, so a failure here only guards the handlers.
func decodeObject(body []byte) (map[string]any, *response) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, failure(http.StatusBadRequest, "The body must be a JSON object.")
	}
	return m, nil
}

func identityOf(body map[string]any) identity {
	email, _ := body["email"].(string)
	userID, _ := body["userId"].(string)
	return identity{email: email, userID: userID}
}

// oneIdentifier reads the email or userId query parameter of find and the
// suppression calls, which take exactly one.
func oneIdentifier(q url.Values) (identity, *response) {
	id := identity{email: q.Get("email"), userID: q.Get("userId")}
	return id, exactlyOne(id)
}

func exactlyOne(id identity) *response {
	switch {
	case id.email != "" && id.userID != "":
		return failure(http.StatusBadRequest, msgBothIdentifiers)
	case id.email == "" && id.userID == "":
		return failure(http.StatusBadRequest, msgNoIdentifier)
	}
	return nil
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

func stringPtr(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneMap deep-copies a decoded JSON object.
func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

// cloneValue deep-copies a decoded JSON value.
func cloneValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return cloneMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneValue(e)
		}
		return out
	}
	return v
}

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

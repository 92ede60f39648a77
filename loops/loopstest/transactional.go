package loopstest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// TransactionalSend is a transactional email the server "sent".
type TransactionalSend struct {
	// TransactionalID names the template sent.
	TransactionalID string
	// Email is the recipient.
	Email string
	// DataVariables are the variables as sent.
	DataVariables map[string]any
	// Attachments carry their decoded content in Data.
	Attachments []loops.Attachment
	// AddToAudience is whether the request asked to create the contact.
	AddToAudience bool
	// IdempotencyKey is the Idempotency-Key header, "" when absent.
	IdempotencyKey string
	// Raw is the request body as sent.
	Raw json.RawMessage
	// Time is when the email was sent, by the server's clock.
	Time time.Time
}

// lastUpdatedLayout is how Loops writes timestamps: UTC with milliseconds.
const lastUpdatedLayout = "2006-01-02T15:04:05.000Z"

func (s *Server) sendTransactional(c *call) *response {
	var req loops.TransactionalRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return failure(http.StatusBadRequest, "Invalid request body: "+err.Error())
	}
	if !validEmail(req.Email) {
		return failure(http.StatusBadRequest, msgInvalidEmail)
	}
	add := req.AddToAudience != nil && *req.AddToAudience
	return s.idempotent(c, func(key string) *response {
		if bad := s.checkTemplate(req); bad != nil {
			return bad
		}
		if add && s.contactBy("email", req.Email) == nil {
			s.addContact(identity{email: req.Email})
		}
		s.sends = append(s.sends, TransactionalSend{
			TransactionalID: req.TransactionalID,
			Email:           req.Email,
			DataVariables:   cloneMap(req.DataVariables),
			Attachments:     req.Attachments,
			AddToAudience:   add,
			IdempotencyKey:  key,
			Raw:             slices.Clone(c.body),
			Time:            c.now,
		})
		return s.answer(c.rt, object{"success": true})
	})
}

// checkTemplate refuses a send to an unknown or unpublished template, or
// one leaving out a required data variable, with Loops' error bodies.
func (s *Server) checkTemplate(req loops.TransactionalRequest) *response {
	tmpl, found := s.template(req.TransactionalID)
	switch {
	case !found:
		const msg = "Transactional email not found"
		return newJSON(http.StatusNotFound, errorBody{Message: msg, Error: errorDetail{Path: "transactionalId", Message: msg}})
	case tmpl.Draft:
		return newJSON(http.StatusBadRequest, errorBody{Path: "transactionalId", Message: "Transactional email is not published"})
	}
	var missing []string
	for _, name := range tmpl.DataVariables {
		if _, ok := req.DataVariables[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return newJSON(http.StatusBadRequest, errorBody{Path: "dataVariables", Message: "Missing required fields: " + strings.Join(missing, ", ")})
	}
	return nil
}

func (t TransactionalSend) clone() TransactionalSend {
	t.DataVariables = cloneMap(t.DataVariables)
	t.Attachments = as[[]loops.Attachment](t.Attachments) // a deep copy
	t.Raw = slices.Clone(t.Raw)
	return t
}

// TransactionalSends returns the transactional emails processed so far, in
// order. Refused sends are not included; Requests shows them.
func (s *Server) TransactionalSends() []TransactionalSend {
	return copies(s, &s.sends, TransactionalSend.clone)
}

// template finds a template by ID: one the server was built with, or one
// published through the content API. The caller holds s.mu.
func (s *Server) template(id string) (TransactionalEmail, bool) {
	i := slices.IndexFunc(s.cfg.emails, func(e TransactionalEmail) bool { return e.ID == id })
	if i < 0 {
		return s.publishedTemplate(id)
	}
	return s.cfg.emails[i], true
}

// seedTemplates stores each configured template as a content-API
// transactional email too, so that Transactional.List and Get show what
// the deprecated published list shows: a published one with a published
// message (its subject is its name), a draft with a draft message only.
func (s *Server) seedTemplates() {
	for _, e := range s.cfg.emails {
		at := e.LastUpdated
		msg := s.newMessage("transactionalId", e.ID, at)
		msg["subject"] = e.Name
		obj := s.newObject(transactionals, object{"name": e.Name, "dataVariables": append([]string{}, e.DataVariables...)}, at)
		obj["id"], obj["url"] = e.ID, appURL+transactionals.app+"/"+e.ID
		if e.Draft {
			obj["draftEmailMessageId"] = msg["id"]
		} else {
			obj["publishedEmailMessageId"] = msg["id"]
		}
		s.put(transactionals, obj)
	}
}

// listTransactional pages through the published templates, newest first.
func (s *Server) listTransactional(c *call) *response {
	all := slices.DeleteFunc(slices.Clone(s.cfg.emails), func(e TransactionalEmail) bool { return e.Draft })
	ids, items := make([]string, len(all)), make([]any, len(all))
	for i, e := range all {
		ids[i] = e.ID
		items[i] = loops.PublishedTransactionalEmail{ID: e.ID, Name: e.Name, LastUpdated: stamp(e.LastUpdated), DataVariables: append([]string{}, e.DataVariables...)}
	}
	return s.page(c, ids, items)
}

// publishedOrder validates the templates, dates the undated ones and sorts
// them newest first, keeping the given order among equals.
func publishedOrder(emails []TransactionalEmail, now time.Time) ([]TransactionalEmail, error) {
	out := slices.Clone(emails)
	seen := map[string]bool{}
	for i := range out {
		switch id := out[i].ID; {
		case id == "":
			return nil, errors.New("a transactional email has an empty ID")
		case seen[id]:
			return nil, fmt.Errorf("transactional email ID %q is used twice", id)
		}
		seen[out[i].ID] = true
		out[i].DataVariables = slices.Clone(out[i].DataVariables)
		if out[i].LastUpdated.IsZero() {
			out[i].LastUpdated = now
		}
	}
	slices.SortStableFunc(out, func(a, b TransactionalEmail) int { return b.LastUpdated.Compare(a.LastUpdated) })
	return out, nil
}

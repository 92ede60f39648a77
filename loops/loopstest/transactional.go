package loopstest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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

// Pagination limits of GET /v1/transactional.
const (
	minPerPage     = 10
	maxPerPage     = 50
	defaultPerPage = 20
)

// lastUpdatedLayout is how Loops writes timestamps: UTC with milliseconds.
const lastUpdatedLayout = "2006-01-02T15:04:05.000Z"

// cursorPrefix keeps cursors opaque: a client must pass back what it got
// rather than build one from a template ID.
const cursorPrefix = "loopstest:"

// sendRequest is the part of a send body the fake uses.
type sendRequest struct {
	TransactionalID string             `json:"transactionalId"`
	Email           string             `json:"email"`
	AddToAudience   bool               `json:"addToAudience"`
	DataVariables   map[string]any     `json:"dataVariables"`
	Attachments     []loops.Attachment `json:"attachments"`
}

func (s *Server) sendTransactional(c *call) *response {
	var req sendRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return failure(http.StatusBadRequest, "Invalid request body: "+err.Error())
	}
	if !validEmail(req.Email) {
		return failure(http.StatusBadRequest, msgInvalidEmail)
	}
	key := c.r.Header.Get(idempotencyHeader)
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" && s.keyUsed(key, c.now) {
		return keyReused()
	}
	if bad := s.checkTemplate(req); bad != nil {
		return bad
	}
	if req.AddToAudience && s.byEmail(req.Email) == nil {
		s.addContact(identity{email: req.Email})
	}
	s.sends = append(s.sends, newSend(req, key, c))
	s.consumeKey(key, c.now)
	return success()
}

// checkTemplate refuses a send to an unknown or unpublished template, or
// one leaving out a required data variable, with Loops' error bodies.
func (s *Server) checkTemplate(req sendRequest) *response {
	tmpl, found := s.template(req.TransactionalID)
	switch {
	case !found:
		const msg = "Transactional email not found"
		return newJSON(http.StatusNotFound, errorBody{
			Message: msg,
			Error:   errorDetail{Path: "transactionalId", Message: msg},
		})
	case tmpl.Draft:
		return newJSON(http.StatusBadRequest, errorBody{
			Path:    "transactionalId",
			Message: "Transactional email is not published",
		})
	}
	var missing []string
	for _, name := range tmpl.DataVariables {
		if _, ok := req.DataVariables[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return newJSON(http.StatusBadRequest, errorBody{
			Path:    "dataVariables",
			Message: "Missing required fields: " + strings.Join(missing, ", "),
		})
	}
	return nil
}

func newSend(req sendRequest, key string, c *call) TransactionalSend {
	return TransactionalSend{
		TransactionalID: req.TransactionalID,
		Email:           req.Email,
		DataVariables:   cloneMap(req.DataVariables),
		Attachments:     req.Attachments,
		AddToAudience:   req.AddToAudience,
		IdempotencyKey:  key,
		Raw:             slices.Clone(c.body),
		Time:            c.now,
	}
}

func (t TransactionalSend) clone() TransactionalSend {
	t.DataVariables = cloneMap(t.DataVariables)
	t.Attachments = slices.Clone(t.Attachments)
	for i := range t.Attachments {
		t.Attachments[i].Data = slices.Clone(t.Attachments[i].Data)
	}
	t.Raw = slices.Clone(t.Raw)
	return t
}

// TransactionalSends returns the transactional emails processed so far, in
// order. Refused sends are not included; Requests shows them.
func (s *Server) TransactionalSends() []TransactionalSend {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TransactionalSend, len(s.sends))
	for i, t := range s.sends {
		out[i] = t.clone()
	}
	return out
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

// published returns the templates the list shows, newest first.
func (s *Server) published() []TransactionalEmail {
	return slices.DeleteFunc(slices.Clone(s.cfg.emails), func(e TransactionalEmail) bool { return e.Draft })
}

// pagination is written here rather than with loops.Pagination because the
// cursor fields must be able to be null.
type pagination struct {
	TotalResults    int     `json:"totalResults"`
	ReturnedResults int     `json:"returnedResults"`
	PerPage         int     `json:"perPage"`
	TotalPages      int     `json:"totalPages"`
	NextCursor      *string `json:"nextCursor"`
	NextPage        *string `json:"nextPage"`
}

type transactionalPage struct {
	Pagination pagination                          `json:"pagination"`
	Data       []loops.PublishedTransactionalEmail `json:"data"`
}

func (s *Server) listTransactional(c *call) *response {
	q := c.r.URL.Query()
	perPage, bad := perPageOf(q)
	if bad != nil {
		return bad
	}
	all := s.published()
	start, bad := cursorStart(q.Get("cursor"), all)
	if bad != nil {
		return bad
	}
	end := min(start+perPage, len(all))
	page := transactionalPage{
		Pagination: pagination{
			TotalResults:    len(all),
			ReturnedResults: end - start,
			PerPage:         perPage,
			TotalPages:      (len(all) + perPage - 1) / perPage,
		},
		Data: make([]loops.PublishedTransactionalEmail, 0, end-start),
	}
	for _, e := range all[start:end] {
		page.Data = append(page.Data, e.wire())
	}
	if end < len(all) {
		next := encodeCursor(all[end].ID)
		nextPage := nextPageURL(c.r, next, perPage)
		page.Pagination.NextCursor, page.Pagination.NextPage = &next, &nextPage
	}
	return newJSON(http.StatusOK, page)
}

func (e TransactionalEmail) wire() loops.PublishedTransactionalEmail {
	return loops.PublishedTransactionalEmail{
		ID:            e.ID,
		Name:          e.Name,
		LastUpdated:   e.LastUpdated.UTC().Format(lastUpdatedLayout),
		DataVariables: append([]string{}, e.DataVariables...), // never null
	}
}

// perPageOf reads perPage, which the contract already bounds; the check
// here keeps the handler honest on its own.
func perPageOf(q url.Values) (int, *response) {
	raw := q.Get("perPage")
	if raw == "" {
		return defaultPerPage, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < minPerPage || n > maxPerPage {
		return 0, failure(http.StatusBadRequest, fmt.Sprintf("perPage must be a number from %d to %d.", minPerPage, maxPerPage))
	}
	return n, nil
}

func encodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + id))
}

// decodeCursor returns the id a cursor points at, or "" for a cursor the
// server did not issue.
func decodeCursor(cursor string) string {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	id, found := strings.CutPrefix(string(raw), cursorPrefix)
	if err != nil || !found {
		return ""
	}
	return id
}

// cursorStart returns the index of the item a cursor points at; a cursor
// the server did not issue, or whose item is gone, is refused.
func cursorStart(cursor string, all []TransactionalEmail) (int, *response) {
	if cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	id, found := strings.CutPrefix(string(raw), cursorPrefix)
	i := slices.IndexFunc(all, func(e TransactionalEmail) bool { return e.ID == id })
	if err != nil || !found || i < 0 {
		return 0, failure(http.StatusBadRequest, "Invalid cursor.")
	}
	return i, nil
}

// nextPageURL is the full URL of the next page, on the host the request
// came to.
func nextPageURL(r *http.Request, cursor string, perPage int) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	q := url.Values{"cursor": {cursor}, "perPage": {strconv.Itoa(perPage)}}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	return u.String()
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

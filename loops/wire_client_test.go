package loops_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// lastBody returns the raw body of the last request to route, decoded into
// a map (so that key presence can be checked) and as bytes.
func lastBody(t *testing.T, srv *loopstest.Server, route string) (map[string]json.RawMessage, []byte) {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Route == route {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(reqs[i].Body, &m); err != nil {
				t.Fatalf("%s body %q is not a JSON object: %v", route, reqs[i].Body, err)
			}
			return m, reqs[i].Body
		}
	}
	t.Fatalf("no request to %s", route)
	return nil, nil
}

func keysOf(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

const updateRoute = "PUT /v1/contacts/update"

func TestUpdateNullClearsAndUnsetFieldsAreAbsent(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	const email = "ada@example.com"

	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{
		Email: new(email), FirstName: loops.Value("Ada"), LastName: loops.Value("Lovelace"),
	}); err != nil {
		t.Fatal(err)
	}
	body, _ := lastBody(t, srv, updateRoute)
	if got, want := keysOf(body), []string{"email", "firstName", "lastName"}; !reflect.DeepEqual(got, want) {
		t.Errorf("body keys = %v, want %v (unset fields, subscribed included, must be left out)", got, want)
	}
	ct, ok := srv.Contact(email)
	if !ok || ct.LastName == nil || *ct.LastName != "Lovelace" {
		t.Fatalf("after the first update: %+v", ct)
	}
	if ct.Subscribed == nil || !*ct.Subscribed {
		t.Errorf("a new contact should be subscribed: %+v", ct.Subscribed)
	}

	// Null clears lastName and leaves firstName alone.
	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new(email), LastName: loops.Null[string]()}); err != nil {
		t.Fatal(err)
	}
	body, raw := lastBody(t, srv, updateRoute)
	if !bytes.Contains(raw, []byte(`"lastName":null`)) {
		t.Errorf("raw body %s lacks \"lastName\":null", raw)
	}
	if got, want := keysOf(body), []string{"email", "lastName"}; !reflect.DeepEqual(got, want) {
		t.Errorf("body keys = %v, want %v", got, want)
	}
	ct, _ = srv.Contact(email)
	if ct.LastName != nil {
		t.Errorf("LastName = %q after sending null, want nil", *ct.LastName)
	}
	if ct.FirstName == nil || *ct.FirstName != "Ada" {
		t.Errorf("FirstName = %v; a field left unset must not change", ct.FirstName)
	}
	if ct.Subscribed == nil || !*ct.Subscribed {
		t.Error("an update without Subscribed unsubscribed the contact")
	}

	// Subscribed: false is sent, and applied.
	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new(email), Subscribed: new(false)}); err != nil {
		t.Fatal(err)
	}
	body, _ = lastBody(t, srv, updateRoute)
	if got := string(body["subscribed"]); got != "false" {
		t.Errorf("subscribed on the wire = %q, want false", got)
	}
	if got, want := keysOf(body), []string{"email", "subscribed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("body keys = %v, want %v", got, want)
	}
	ct, _ = srv.Contact(email)
	if ct.Subscribed == nil || *ct.Subscribed {
		t.Errorf("Subscribed = %v after sending false", ct.Subscribed)
	}

	// And an update without Subscribed leaves it false.
	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new(email), UserGroup: loops.Value("beta")}); err != nil {
		t.Fatal(err)
	}
	body, _ = lastBody(t, srv, updateRoute)
	if _, present := body["subscribed"]; present {
		t.Errorf("subscribed sent although unset: %s", body["subscribed"])
	}
	ct, _ = srv.Contact(email)
	if ct.Subscribed == nil || *ct.Subscribed {
		t.Error("an update without Subscribed re-subscribed the contact")
	}
}

func TestCreateLeavesUnsetFieldsOut(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	if _, err := c.Contacts.Create(context.Background(), &loops.ContactCreateRequest{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}
	body, _ := lastBody(t, srv, "POST /v1/contacts/create")
	if got := keysOf(body); !reflect.DeepEqual(got, []string{"email"}) {
		t.Errorf("body keys = %v, want only email", got)
	}
}

func TestCustomPropertySetThenCleared(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	const email = "ada@example.com"

	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{
		Email: new(email), AdditionalProperties: map[string]any{"planName": "pro", "seats": 5, "trial": true},
	}); err != nil {
		t.Fatal(err)
	}
	body, _ := lastBody(t, srv, updateRoute)
	if string(body["planName"]) != `"pro"` || string(body["seats"]) != "5" || string(body["trial"]) != "true" {
		t.Errorf("custom properties on the wire: %v", body)
	}
	ct, _ := srv.Contact(email)
	if ct.AdditionalProperties["planName"] != "pro" || ct.AdditionalProperties["seats"] != float64(5) || ct.AdditionalProperties["trial"] != true {
		t.Fatalf("stored custom properties %v", ct.AdditionalProperties)
	}
	found, err := c.Contacts.Find(ctx, loops.ByEmail(email))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := found.Get("planName"); !ok || v != "pro" {
		t.Errorf("Find: planName = (%v, %v), want pro", v, ok)
	}

	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{
		Email: new(email), AdditionalProperties: map[string]any{"planName": nil},
	}); err != nil {
		t.Fatal(err)
	}
	body, raw := lastBody(t, srv, updateRoute)
	if !bytes.Contains(raw, []byte(`"planName":null`)) {
		t.Errorf("raw body %s lacks \"planName\":null", raw)
	}
	if got, want := keysOf(body), []string{"email", "planName"}; !reflect.DeepEqual(got, want) {
		t.Errorf("body keys = %v, want %v", got, want)
	}
	ct, _ = srv.Contact(email)
	if _, still := ct.AdditionalProperties["planName"]; still {
		t.Errorf("planName not cleared: %v", ct.AdditionalProperties)
	}
	if ct.AdditionalProperties["seats"] != float64(5) {
		t.Errorf("clearing planName changed seats: %v", ct.AdditionalProperties)
	}
	found, err = c.Contacts.Find(ctx, loops.ByEmail(email))
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := found.Get("planName"); ok {
		t.Errorf("Find still returns planName = %v", v)
	}
}

func TestFindByUnusualEmail(t *testing.T) {
	ctx := context.Background()
	for _, email := range []string{
		"ada+news@example.com",
		"zoë.ñandú@exämple.com",
		"o'brien+a&b=c?d#e%20f@example.com",
		"first last@example.com", // refused by the fake's create: only find is checked below
	} {
		t.Run(email, func(t *testing.T) {
			srv := loopstest.NewServer(t)
			c := newClient(t, srv)
			if strings.Contains(email, " ") {
				// Find must still send it intact: the fake finds nothing and
				// answers with an empty list, not a 400.
				_, err := c.Contacts.Find(ctx, loops.ByEmail(email))
				if !errors.Is(err, loops.ErrNotFound) {
					t.Fatalf("want ErrNotFound, got %v", err)
				}
				if got := srv.Requests()[0].Query.Get("email"); got != email {
					t.Errorf("the fake got email=%q, want %q", got, email)
				}
				return
			}
			if _, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: email}); err != nil {
				t.Fatal(err)
			}
			found, err := c.Contacts.Find(ctx, loops.ByEmail(email))
			if err != nil {
				t.Fatalf("Find(%q): %v (the fake got email=%q)", email, err, srv.Requests()[len(srv.Requests())-1].Query.Get("email"))
			}
			if found.Email != email {
				t.Errorf("found %q, want %q", found.Email, email)
			}
			// The suppression calls build the same query.
			if _, err := c.Contacts.Suppression(ctx, loops.ByEmail(email)); err != nil {
				t.Errorf("Suppression(%q): %v", email, err)
			}
			for _, r := range srv.Requests()[1:] {
				if got := r.Query.Get("email"); got != email {
					t.Errorf("%s: the fake got email=%q, want %q", r.Route, got, email)
				}
			}
		})
	}
}

func TestTransactionalAttachmentAndArrayVariable(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(
		loopstest.TransactionalEmail{ID: "receipt", Name: "Receipt", DataVariables: []string{"name", "items"}},
	))
	c := newClient(t, srv)
	data := []byte{0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe, '\n', 0x80, 0x7f}
	err := c.Transactional.Send(context.Background(), &loops.TransactionalRequest{
		TransactionalID: "receipt",
		Email:           "ada@example.com",
		DataVariables: map[string]any{
			"name":  "Ada",
			"items": []map[string]any{{"name": "Widget", "price": 9.5}},
		},
		Attachments: []loops.Attachment{{Filename: "receipt.pdf", ContentType: "application/pdf", Data: data}},
	})
	if err != nil {
		t.Fatal(err)
	}
	sends := srv.TransactionalSends()
	if len(sends) != 1 {
		t.Fatalf("sends = %d, want 1", len(sends))
	}
	s := sends[0]
	if len(s.Attachments) != 1 {
		t.Fatalf("attachments = %+v", s.Attachments)
	}
	a := s.Attachments[0]
	if !bytes.Equal(a.Data, data) || a.Filename != "receipt.pdf" || a.ContentType != "application/pdf" {
		t.Errorf("attachment = %+v, want the original bytes %v", a, data)
	}
	// On the wire the bytes are standard base64.
	var wire struct {
		Attachments []struct {
			Data string `json:"data"`
		} `json:"attachments"`
		DataVariables map[string]json.RawMessage `json:"dataVariables"`
	}
	if err := json.Unmarshal(s.Raw, &wire); err != nil {
		t.Fatal(err)
	}
	if len(wire.Attachments) != 1 || wire.Attachments[0].Data != base64.StdEncoding.EncodeToString(data) {
		t.Errorf("attachment data on the wire = %+v, want %q", wire.Attachments, base64.StdEncoding.EncodeToString(data))
	}
	if got := string(wire.DataVariables["items"]); got != `[{"name":"Widget","price":9.5}]` {
		t.Errorf("items on the wire = %s", got)
	}
	want := []any{map[string]any{"name": "Widget", "price": 9.5}}
	if !reflect.DeepEqual(s.DataVariables["items"], want) || s.DataVariables["name"] != "Ada" {
		t.Errorf("data variables = %#v", s.DataVariables)
	}
}

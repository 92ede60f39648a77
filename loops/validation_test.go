package loops_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// validationCase is one input the client must refuse before sending.
type validationCase struct {
	name  string
	op    string // the call the error must name
	field string // the field the error must name
	call  func(context.Context, *loops.Client) error
}

func createWith(props map[string]any) func(context.Context, *loops.Client) error {
	return func(ctx context.Context, c *loops.Client) error {
		_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada@example.com", AdditionalProperties: props})
		return err
	}
}

func updateWith(req *loops.ContactUpdateRequest) func(context.Context, *loops.Client) error {
	return func(ctx context.Context, c *loops.Client) error {
		_, err := c.Contacts.Update(ctx, req)
		return err
	}
}

func eventWith(req *loops.EventRequest, opts ...loops.CallOption) func(context.Context, *loops.Client) error {
	return func(ctx context.Context, c *loops.Client) error {
		err := c.Events.Send(ctx, req, opts...)
		return err
	}
}

func transactionalWith(req *loops.TransactionalRequest, opts ...loops.CallOption) func(context.Context, *loops.Client) error {
	return func(ctx context.Context, c *loops.Client) error {
		err := c.Transactional.Send(ctx, req, opts...)
		return err
	}
}

// lookupCalls are the four calls that take a ContactLookup.
var lookupCalls = []struct {
	op   string
	call func(context.Context, *loops.Client, loops.ContactLookup) error
}{
	{"Contacts.Find", func(ctx context.Context, c *loops.Client, l loops.ContactLookup) error {
		_, err := c.Contacts.Find(ctx, l)
		return err
	}},
	{"Contacts.Delete", func(ctx context.Context, c *loops.Client, l loops.ContactLookup) error {
		err := c.Contacts.Delete(ctx, l)
		return err
	}},
	{"Contacts.Suppression", func(ctx context.Context, c *loops.Client, l loops.ContactLookup) error {
		_, err := c.Contacts.Suppression(ctx, l)
		return err
	}},
	{"Contacts.RemoveSuppression", func(ctx context.Context, c *loops.Client, l loops.ContactLookup) error {
		_, err := c.Contacts.RemoveSuppression(ctx, l)
		return err
	}},
}

func validationCases() []validationCase {
	okEvent := func() *loops.EventRequest {
		return &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"}
	}
	okSend := func() *loops.TransactionalRequest {
		return &loops.TransactionalRequest{TransactionalID: "welcome", Email: "ada@example.com"}
	}
	cases := []validationCase{
		// nil requests
		{"Create nil request", "Contacts.Create", "request", func(ctx context.Context, c *loops.Client) error {
			_, err := c.Contacts.Create(ctx, nil)
			return err
		}},
		{"Update nil request", "Contacts.Update", "request", updateWith(nil)},
		{"Events.Send nil request", "Events.Send", "request", eventWith(nil)},
		{"Transactional.Send nil request", "Transactional.Send", "request", transactionalWith(nil)},

		// Contacts.Create
		{"Create without email", "Contacts.Create", "email", func(ctx context.Context, c *loops.Client) error {
			_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{FirstName: loops.Value("Ada")})
			return err
		}},
		{"Create custom property named email", "Contacts.Create", `custom property "email"`, createWith(map[string]any{"email": "other@example.com"})},
		{"Create custom property named subscribed", "Contacts.Create", `custom property "subscribed"`, createWith(map[string]any{"subscribed": false})},
		{"Create custom property named firstName", "Contacts.Create", `custom property "firstName"`, createWith(map[string]any{"firstName": "Eve"})},
		{"Create custom property named userId", "Contacts.Create", `custom property "userId"`, createWith(map[string]any{"userId": "u1"})},
		{"Create custom property named mailingLists", "Contacts.Create", `custom property "mailingLists"`, createWith(map[string]any{"mailingLists": "x"})},
		{"Create custom property with empty name", "Contacts.Create", "custom property", createWith(map[string]any{"": "x"})},
		{"Create custom property with map value", "Contacts.Create", `custom property "plan"`, createWith(map[string]any{"plan": map[string]any{"name": "pro"}})},
		{"Create custom property with slice value", "Contacts.Create", `custom property "tags"`, createWith(map[string]any{"tags": []string{"a", "b"}})},

		// Contacts.Update
		{"Update without email and userId", "Contacts.Update", "email/userId", updateWith(&loops.ContactUpdateRequest{FirstName: loops.Value("Ada")})},
		{"Update with empty email and userId", "Contacts.Update", "email/userId", updateWith(&loops.ContactUpdateRequest{Email: new(""), UserID: new("")})},
		// An identifier given as an empty string is not "left out": sent as
		// "", it breaks the contract (minLength 1), so it must be refused
		// here like a missing one.
		{"Update with empty email and a userId", "Contacts.Update", "email", updateWith(&loops.ContactUpdateRequest{Email: new(""), UserID: new("user-1")})},
		{"Update with empty userId and an email", "Contacts.Update", "userId", updateWith(&loops.ContactUpdateRequest{Email: new("ada@example.com"), UserID: new("")})},
		{"Create with empty userId", "Contacts.Create", "userId", func(ctx context.Context, c *loops.Client) error {
			_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada@example.com", UserID: new("")})
			return err
		}},
		{"Update custom property named lastName", "Contacts.Update", `custom property "lastName"`, updateWith(&loops.ContactUpdateRequest{
			Email: new("ada@example.com"), AdditionalProperties: map[string]any{"lastName": "x"},
		})},
		{"Update custom property with slice value", "Contacts.Update", `custom property "tags"`, updateWith(&loops.ContactUpdateRequest{
			Email: new("ada@example.com"), AdditionalProperties: map[string]any{"tags": []any{"a"}},
		})},

		// Events.Send
		{"Event without eventName", "Events.Send", "eventName", eventWith(&loops.EventRequest{Email: new("ada@example.com")})},
		{"Event without email and userId", "Events.Send", "email/userId", eventWith(&loops.EventRequest{EventName: "signup"})},
		{"Event with empty email and a userId", "Events.Send", "email", eventWith(&loops.EventRequest{Email: new(""), UserID: new("user-1"), EventName: "signup"})},
		{"Event with empty userId and an email", "Events.Send", "userId", eventWith(&loops.EventRequest{Email: new("ada@example.com"), UserID: new(""), EventName: "signup"})},
		{"Event with object event property", "Events.Send", `event property "plan"`, eventWith(&loops.EventRequest{
			Email: new("ada@example.com"), EventName: "signup", EventProperties: map[string]any{"plan": map[string]any{"name": "pro"}},
		})},
		{"Event with slice event property", "Events.Send", `event property "seats"`, eventWith(&loops.EventRequest{
			Email: new("ada@example.com"), EventName: "signup", EventProperties: map[string]any{"seats": []int{1, 2}},
		})},
		{"Event contact property named eventName", "Events.Send", `custom property "eventName"`, eventWith(&loops.EventRequest{
			Email: new("ada@example.com"), EventName: "signup", AdditionalProperties: map[string]any{"eventName": "other"},
		})},

		// Transactional.Send
		{"Send without transactionalId", "Transactional.Send", "transactionalId", transactionalWith(&loops.TransactionalRequest{Email: "ada@example.com"})},
		{"Send without email", "Transactional.Send", "email", transactionalWith(&loops.TransactionalRequest{TransactionalID: "welcome"})},
		{"Send with map data variable", "Transactional.Send", `data variable "user"`, transactionalWith(&loops.TransactionalRequest{
			TransactionalID: "welcome", Email: "ada@example.com", DataVariables: map[string]any{"user": map[string]any{"name": "Ada"}},
		})},
		{"Send with slice-of-strings data variable", "Transactional.Send", `data variable "tags"`, transactionalWith(&loops.TransactionalRequest{
			TransactionalID: "welcome", Email: "ada@example.com", DataVariables: map[string]any{"tags": []string{"a", "b"}},
		})},
		{"Send with []any of strings data variable", "Transactional.Send", `data variable "tags"`, transactionalWith(&loops.TransactionalRequest{
			TransactionalID: "welcome", Email: "ada@example.com", DataVariables: map[string]any{"tags": []any{"a", "b"}},
		})},
		{"Send with nested object in array variable", "Transactional.Send", `data variable "items"`, transactionalWith(&loops.TransactionalRequest{
			TransactionalID: "welcome", Email: "ada@example.com",
			DataVariables: map[string]any{"items": []map[string]any{{"name": "Widget", "meta": map[string]any{"x": 1}}}},
		})},
		{"Send attachment without filename", "Transactional.Send", "attachments[0].filename", transactionalWith(&loops.TransactionalRequest{
			TransactionalID: "welcome", Email: "ada@example.com",
			Attachments: []loops.Attachment{{ContentType: "text/plain", Data: []byte("hi")}},
		})},
		{"Send attachment without contentType", "Transactional.Send", "attachments[0].contentType", transactionalWith(&loops.TransactionalRequest{
			TransactionalID: "welcome", Email: "ada@example.com",
			Attachments: []loops.Attachment{{Filename: "a.txt", Data: []byte("hi")}},
		})},

		// Contact properties
		{"Property with empty name", "ContactProperties.Create", "name", func(ctx context.Context, c *loops.Client) error {
			err := c.ContactProperties.Create(ctx, "", loops.ContactPropertyTypeString)
			return err
		}},
		{"Property with bad type", "ContactProperties.Create", "type", func(ctx context.Context, c *loops.Client) error {
			err := c.ContactProperties.Create(ctx, "planName", loops.ContactPropertyType("text"))
			return err
		}},
		{"Property list with bad filter", "ContactProperties.List", "list", func(ctx context.Context, c *loops.Client) error {
			_, err := c.ContactProperties.List(ctx, loops.ContactPropertyFilter("standard"))
			return err
		}},

		// Pagination
		{"ListPublished perPage 9", "Transactional.ListPublished", "perPage", func(ctx context.Context, c *loops.Client) error {
			_, err := c.Transactional.ListPublished(ctx, &loops.ListOptions{PerPage: 9})
			return err
		}},
		{"ListPublished perPage 51", "Transactional.ListPublished", "perPage", func(ctx context.Context, c *loops.Client) error {
			_, err := c.Transactional.ListPublished(ctx, &loops.ListOptions{PerPage: 51})
			return err
		}},
		{"ListPublished perPage -1", "Transactional.ListPublished", "perPage", func(ctx context.Context, c *loops.Client) error {
			_, err := c.Transactional.ListPublished(ctx, &loops.ListOptions{PerPage: -1})
			return err
		}},

		// Idempotency keys
		{"event with empty key", "Events.Send", "Idempotency-Key", eventWith(okEvent(), loops.WithIdempotencyKey(""))},
		{"event with 101-character key", "Events.Send", "Idempotency-Key", eventWith(okEvent(), loops.WithIdempotencyKey(strings.Repeat("k", 101)))},
		{"event with newline in key", "Events.Send", "Idempotency-Key", eventWith(okEvent(), loops.WithIdempotencyKey("order-1\nX-Injected: 1"))},
		{"transactional with empty key", "Transactional.Send", "Idempotency-Key", transactionalWith(okSend(), loops.WithIdempotencyKey(""))},
		{"transactional with 101-character key", "Transactional.Send", "Idempotency-Key", transactionalWith(okSend(), loops.WithIdempotencyKey(strings.Repeat("k", 101)))},
		{"transactional with newline in key", "Transactional.Send", "Idempotency-Key", transactionalWith(okSend(), loops.WithIdempotencyKey("a\nb"))},
		{"key on Contacts.Create", "Contacts.Create", "Idempotency-Key", func(ctx context.Context, c *loops.Client) error {
			_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada@example.com"}, loops.WithIdempotencyKey("create-1"))
			return err
		}},
		{"key on Contacts.Update", "Contacts.Update", "Idempotency-Key", func(ctx context.Context, c *loops.Client) error {
			_, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new("ada@example.com")}, loops.WithIdempotencyKey("update-1"))
			return err
		}},
		{"key on MailingLists.List", "MailingLists.List", "Idempotency-Key", func(ctx context.Context, c *loops.Client) error {
			_, err := c.MailingLists.List(ctx, loops.WithIdempotencyKey("list-1"))
			return err
		}},

		// Do
		{"Do with an absolute URL", "Do", "path", func(ctx context.Context, c *loops.Client) error {
			return c.Do(ctx, "GET", "https://evil.example/v1/x", nil, nil)
		}},
		{"Do with a scheme-relative URL", "Do", "path", func(ctx context.Context, c *loops.Client) error {
			return c.Do(ctx, "GET", "//evil.example/v1/x", nil, nil)
		}},
		{"Do with a relative path", "Do", "path", func(ctx context.Context, c *loops.Client) error {
			return c.Do(ctx, "GET", "v1/lists", nil, nil)
		}},
		{"Do with an empty method", "Do", "method", func(ctx context.Context, c *loops.Client) error {
			return c.Do(ctx, "", "/v1/lists", nil, nil)
		}},
		{"Do with a body JSON cannot encode", "Do", "body", func(ctx context.Context, c *loops.Client) error {
			return c.Do(ctx, "POST", "/v1/contacts/create", map[string]any{"f": func() {}}, nil)
		}},
	}
	for _, lc := range lookupCalls {
		cases = append(cases,
			validationCase{lc.op + " with neither identifier", lc.op, "email/userId", func(ctx context.Context, c *loops.Client) error {
				return lc.call(ctx, c, loops.ContactLookup{})
			}},
			validationCase{lc.op + " with both identifiers", lc.op, "email/userId", func(ctx context.Context, c *loops.Client) error {
				return lc.call(ctx, c, loops.ContactLookup{Email: "ada@example.com", UserID: "u1"})
			}},
		)
	}
	return cases
}

func TestLocalValidationSendsNothing(t *testing.T) {
	for _, tc := range validationCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome"}))
			c := newClient(t, srv)
			err := tc.call(context.Background(), c)
			if err == nil {
				t.Fatalf("want a *loops.ValidationError, got nil (requests sent: %d)", len(srv.Requests()))
			}
			var ve *loops.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a *loops.ValidationError, got %T: %v", err, err)
			}
			if !errors.Is(err, loops.ErrInvalidInput) {
				t.Errorf("errors.Is(err, ErrInvalidInput) = false for %v", err)
			}
			var apiErr *loops.APIError
			if errors.As(err, &apiErr) {
				t.Errorf("a local check must not look like an API error: %v", err)
			}
			if ve.Op != tc.op {
				t.Errorf("Op = %q, want %q (err: %v)", ve.Op, tc.op, err)
			}
			if !strings.Contains(err.Error(), tc.op) {
				t.Errorf("error text %q does not name the call %q", err, tc.op)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error text %q does not name the field %q", err, tc.field)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("the invalid call sent %d request(s); want none. First: %s", n, srv.Requests()[0].Route)
			}
		})
	}
}

// The iterator reports a bad page size once, through the loop, and stops.
func TestListIterValidationYieldsOnceAndStops(t *testing.T) {
	for _, perPage := range []int{9, 51} {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		var errs, items, yields int
		var first error
		for _, err := range c.Transactional.ListPublishedIter(context.Background(), &loops.ListOptions{PerPage: perPage}) {
			yields++
			if yields > 5 {
				t.Fatalf("perPage %d: the iterator keeps yielding after an error", perPage)
			}
			if err != nil {
				errs++
				if first == nil {
					first = err
				}
				continue // a well-behaved iterator stops by itself
			}
			items++
		}
		if errs != 1 || items != 0 {
			t.Errorf("perPage %d: got %d error(s) and %d item(s); want 1 error and no items", perPage, errs, items)
		}
		var ve *loops.ValidationError
		if !errors.As(first, &ve) || !errors.Is(first, loops.ErrInvalidInput) || !strings.Contains(first.Error(), "perPage") {
			t.Errorf("perPage %d: want a ValidationError naming perPage, got %v", perPage, first)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("perPage %d: %d request(s) sent, want none", perPage, n)
		}
	}
}

// Boundaries of the checks above that must pass: a 100-character key, page
// sizes 10 and 50, and nil custom property values (which clear).
func TestValidationBoundariesAreAccepted(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome"}))
	c := newClient(t, srv)
	ctx := context.Background()
	key := strings.Repeat("k", 100)
	if err := c.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"}, loops.WithIdempotencyKey(key)); err != nil {
		t.Errorf("a 100-character key was refused: %v", err)
	}
	if n := srv.IdempotencyCount(key); n != 1 {
		t.Errorf("IdempotencyCount(100-char key) = %d, want 1 (the key must be sent whole)", n)
	}
	for _, pp := range []int{10, 50} {
		if _, err := c.Transactional.ListPublished(ctx, &loops.ListOptions{PerPage: pp}); err != nil {
			t.Errorf("PerPage %d refused: %v", pp, err)
		}
	}
	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{
		Email: new("ada@example.com"), AdditionalProperties: map[string]any{"planName": nil},
	}); err != nil {
		t.Errorf("a nil custom property (clear) was refused: %v", err)
	}
}

// A call never changes the request struct the caller passed in.
func TestCallsDoNotModifyTheRequest(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome", DataVariables: []string{"name"}}))
	c := newClient(t, srv)

	mkCreate := func() *loops.ContactCreateRequest {
		return &loops.ContactCreateRequest{
			Email:                "ada@example.com",
			FirstName:            loops.Value("Ada"),
			LastName:             loops.Null[string](),
			MailingLists:         map[string]bool{"cm06f5v0e45nf0ml5754o9cix": true},
			AdditionalProperties: map[string]any{"planName": "pro", "seats": 3},
		}
	}
	create := mkCreate()
	if _, err := c.Contacts.Create(ctx, create); err != nil {
		t.Fatalf("Create: %v", err)
	}
	if want := mkCreate(); !reflect.DeepEqual(create, want) {
		t.Errorf("Contacts.Create modified its request:\n got %#v\nwant %#v", create, want)
	}

	mkUpdate := func() *loops.ContactUpdateRequest {
		return &loops.ContactUpdateRequest{
			Email:                new("ada@example.com"),
			LastName:             loops.Value("Lovelace"),
			Subscribed:           new(true),
			AdditionalProperties: map[string]any{"planName": nil},
		}
	}
	update := mkUpdate()
	if _, err := c.Contacts.Update(ctx, update); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if want := mkUpdate(); !reflect.DeepEqual(update, want) {
		t.Errorf("Contacts.Update modified its request:\n got %#v\nwant %#v", update, want)
	}

	mkEvent := func() *loops.EventRequest {
		return &loops.EventRequest{
			Email:                new("ada@example.com"),
			EventName:            "planUpgraded",
			EventProperties:      map[string]any{"plan": "team", "seats": 5},
			AdditionalProperties: map[string]any{"planName": "team"},
		}
	}
	event := mkEvent()
	if err := c.Events.Send(ctx, event); err != nil {
		t.Fatalf("Events.Send: %v", err)
	}
	if want := mkEvent(); !reflect.DeepEqual(event, want) {
		t.Errorf("Events.Send modified its request:\n got %#v\nwant %#v", event, want)
	}

	mkSend := func() *loops.TransactionalRequest {
		return &loops.TransactionalRequest{
			TransactionalID: "welcome",
			Email:           "ada@example.com",
			DataVariables:   map[string]any{"name": "Ada", "items": []map[string]any{{"name": "Widget", "price": 9.5}}},
			Attachments:     []loops.Attachment{{Filename: "a.txt", ContentType: "text/plain", Data: []byte("hello")}},
		}
	}
	send := mkSend()
	if err := c.Transactional.Send(ctx, send); err != nil {
		t.Fatalf("Transactional.Send: %v", err)
	}
	if want := mkSend(); !reflect.DeepEqual(send, want) {
		t.Errorf("Transactional.Send modified its request:\n got %#v\nwant %#v", send, want)
	}
}

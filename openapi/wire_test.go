package openapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/oapi-codegen/nullable"

	"github.com/loopsdev/loops-go/gen"
)

// These tests check what the generated client (gen/) puts on the wire: each
// call goes to a loopback server that records the raw request, the recording
// is inspected byte by byte, and then it is validated against the contract
// with openapi3filter, so the generator and the contract cannot drift apart
// unnoticed.

const testAPIKey = "test-key"

// wireRequest is a request exactly as the server received it.
type wireRequest struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// String is the method and the target as sent, for failure messages.
func (r wireRequest) String() string {
	if r.RawQuery == "" {
		return r.Method + " " + r.Path
	}
	return r.Method + " " + r.Path + "?" + r.RawQuery
}

// query decodes the raw query the way a server does.
func (r wireRequest) query(t *testing.T) url.Values {
	t.Helper()
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		t.Fatalf("raw query %q does not parse: %v", r.RawQuery, err)
	}
	return q
}

// bodyKeys decodes the JSON body into its top-level keys, keeping each value raw.
func (r wireRequest) bodyKeys(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &keys); err != nil {
		t.Fatalf("body is not a JSON object: %v\nbody: %s", err, r.Body)
	}
	return keys
}

// wireLog collects the requests a test server receives.
type wireLog struct {
	mu   sync.Mutex
	reqs []wireRequest
}

func (l *wireLog) record(r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, wireRequest{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Header:   r.Header.Clone(),
		Body:     body,
	})
	return nil
}

func (l *wireLog) requests() []wireRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wireRequest(nil), l.reqs...)
}

// newWireClient starts a recording loopback server and returns a generated
// client pointed at it (with the /api prefix of the real base URL) that
// authenticates with testAPIKey.
func newWireClient(t *testing.T) (*gen.Client, *wireLog) {
	t.Helper()
	log := &wireLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := log.record(r); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":true}`)
	}))
	t.Cleanup(srv.Close)

	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+testAPIKey)
		return nil
	}
	client, err := gen.NewClient(srv.URL+"/api", gen.WithHTTPClient(srv.Client()), gen.WithRequestEditorFn(bearer))
	if err != nil {
		t.Fatalf("gen.NewClient: %v", err)
	}
	return client, log
}

// contractRouter routes requests to the contract's operations regardless of
// host, as the SDK's base URL (https://app.loops.so/api) cannot match a
// loopback server. It is built once per test binary, on a parse of its own
// (it changes the servers), and only read.
func contractRouter(t *testing.T) routers.Router {
	t.Helper()
	router, err := sharedRouter()
	if err != nil {
		t.Fatal(err)
	}
	return router
}

var sharedRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := parseContract()
	if err != nil {
		return nil, err
	}
	doc.Servers = openapi3.Servers{{URL: "/api"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("gorillamux.NewRouter: %w", err)
	}
	return router, nil
})

// bearerAuth accepts exactly the key the test client sends.
func bearerAuth(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if got := in.RequestValidationInput.Request.Header.Get("Authorization"); got != "Bearer "+testAPIKey {
		return in.NewError(fmt.Errorf("Authorization header is %q", got))
	}
	return nil
}

// validateAgainstContract replays a recorded request through the contract's
// request validator. It returns the operation the request routed to.
func validateAgainstContract(router routers.Router, rec wireRequest) (string, error) {
	target := "http://loops.test" + rec.Path
	if rec.RawQuery != "" {
		target += "?" + rec.RawQuery
	}
	req, err := http.NewRequest(rec.Method, target, bytes.NewReader(rec.Body))
	if err != nil {
		return "", err
	}
	req.Header = rec.Header.Clone()
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		return "", fmt.Errorf("no operation in the contract for %s %s: %w", rec.Method, rec.Path, err)
	}
	err = openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: bearerAuth,
			MultiError:         true,
		},
	})
	return route.Operation.OperationID, err
}

// wireCase is one call of the generated client and what must arrive.
type wireCase struct {
	name        string
	operationID string
	send        func(ctx context.Context, c *gen.Client) (*http.Response, error)
	check       func(t *testing.T, got wireRequest)
	// contractRejects, when set, says the contract must reject the request
	// and the validation error must mention this text. Such cases prove the
	// validator is really checking, and show what the client does not guard.
	contractRejects string
}

// runWireCases sends each case through a fresh server and checks the
// recording, then the contract.
func runWireCases(t *testing.T, cases []wireCase) {
	t.Helper()
	router := contractRouter(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, log := newWireClient(t)
			resp, err := tc.send(context.Background(), client)
			if err != nil {
				t.Fatalf("%s: the client failed before a response: %v", tc.operationID, err)
			}
			_ = resp.Body.Close()

			reqs := log.requests()
			if len(reqs) != 1 {
				t.Fatalf("server received %d requests, want 1", len(reqs))
			}
			got := reqs[0]
			if auth := got.Header.Get("Authorization"); auth != "Bearer "+testAPIKey {
				t.Errorf("Authorization = %q, want the bearer key", auth)
			}
			if tc.check != nil {
				tc.check(t, got)
			}

			opID, err := validateAgainstContract(router, got)
			if opID != tc.operationID {
				t.Errorf("request %s routed to operation %q, want %q", got, opID, tc.operationID)
			}
			switch {
			case tc.contractRejects == "" && err != nil:
				t.Errorf("the contract rejects what the client sent:\n%v\nrequest: %s\nbody: %s", err, got, got.Body)
			case tc.contractRejects != "" && err == nil:
				t.Errorf("the contract accepted the request, want a rejection mentioning %q\nbody: %s", tc.contractRejects, got.Body)
			case tc.contractRejects != "" && !strings.Contains(err.Error(), tc.contractRejects):
				t.Errorf("the contract rejected the request, but not for %q:\n%v", tc.contractRejects, err)
			}
		})
	}
}

// wantRequestLine checks the method and the path (with the /api prefix).
func wantRequestLine(t *testing.T, got wireRequest, method, path string) {
	t.Helper()
	if got.Method != method || got.Path != path {
		t.Errorf("request line = %s %s, want %s %s", got.Method, got.Path, method, path)
	}
}

// wantQueryValue checks that a query parameter decodes, server-side, to
// exactly want and appears once.
func wantQueryValue(t *testing.T, got wireRequest, name, want string) {
	t.Helper()
	values := got.query(t)[name]
	if len(values) != 1 || values[0] != want {
		t.Errorf("query %s decodes to %q, want exactly [%q] (raw query %q)", name, values, want, got.RawQuery)
	}
}

// wantNoQueryParam checks that a query parameter is absent.
func wantNoQueryParam(t *testing.T, got wireRequest, name string) {
	t.Helper()
	if q := got.query(t); q.Has(name) {
		t.Errorf("query has %s=%q, want it absent (raw query %q)", name, q[name], got.RawQuery)
	}
}

// wantEmailQuery checks an email query parameter: it decodes back to the
// original string, a '+' is percent-encoded (a literal '+' decodes as a
// space), and only ASCII goes on the wire.
func wantEmailQuery(t *testing.T, got wireRequest, email string) {
	t.Helper()
	t.Logf("email %q went on the wire as %q", email, got.RawQuery)
	wantQueryValue(t, got, "email", email)
	if strings.Contains(email, "+") && (strings.Contains(got.RawQuery, "+") || !strings.Contains(got.RawQuery, "%2B")) {
		t.Errorf("raw query %q: a '+' in the email must be sent as %%2B, never as a literal '+'", got.RawQuery)
	}
	for _, b := range []byte(got.RawQuery) {
		if b >= 0x80 || b <= 0x20 {
			t.Errorf("raw query %q holds the unescaped byte %#x", got.RawQuery, b)
			break
		}
	}
}

func TestWireQueryParameters(t *testing.T) {
	findByEmail := func(email string) func(context.Context, *gen.Client) (*http.Response, error) {
		return func(ctx context.Context, c *gen.Client) (*http.Response, error) {
			return c.FindContact(ctx, &gen.FindContactParams{Email: &email})
		}
	}
	checkFind := func(email string) func(*testing.T, wireRequest) {
		return func(t *testing.T, got wireRequest) {
			wantRequestLine(t, got, http.MethodGet, "/api/v1/contacts/find")
			wantEmailQuery(t, got, email)
			wantNoQueryParam(t, got, "userId")
		}
	}
	emails := []struct{ name, email string }{
		{"plus", "alex+tag@example.com"},
		{"space", "alex tag@example.com"},
		{"non-ASCII", "zoë@exämple.com"},
		{"ampersand and equals", "a&userId=x@example.com"},
		{"percent", "100%real@example.com"},
	}

	var cases []wireCase
	for _, e := range emails {
		cases = append(cases, wireCase{
			name:        "findContact email " + e.name,
			operationID: "findContact",
			send:        findByEmail(e.email),
			check:       checkFind(e.email),
		})
	}

	plus := "alex+tag@example.com"
	userID := "usr_7f8e9d0c1b2a"
	perPage := 20
	cursor := "clyo0q4wo01p59fsecyxqsh38"
	cases = append(cases,
		wireCase{
			name:        "findContact userId",
			operationID: "findContact",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.FindContact(ctx, &gen.FindContactParams{UserID: &userID})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodGet, "/api/v1/contacts/find")
				wantQueryValue(t, got, "userId", userID)
				wantNoQueryParam(t, got, "email")
			},
		},
		wireCase{
			name:        "getContactSuppression email",
			operationID: "getContactSuppression",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.GetContactSuppression(ctx, &gen.GetContactSuppressionParams{Email: &plus})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodGet, "/api/v1/contacts/suppression")
				wantEmailQuery(t, got, plus)
			},
		},
		wireCase{
			name:        "removeContactSuppression email",
			operationID: "removeContactSuppression",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.RemoveContactSuppression(ctx, &gen.RemoveContactSuppressionParams{Email: &plus})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodDelete, "/api/v1/contacts/suppression")
				wantEmailQuery(t, got, plus)
				if len(got.Body) != 0 {
					t.Errorf("DELETE carries a body %q, want none (the identifier goes in the query)", got.Body)
				}
			},
		},
		wireCase{
			name:        "listPublishedTransactionalEmails perPage and cursor",
			operationID: "listPublishedTransactionalEmails",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.ListPublishedTransactionalEmails(ctx, &gen.ListPublishedTransactionalEmailsParams{PerPage: &perPage, Cursor: &cursor})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodGet, "/api/v1/transactional")
				if !strings.Contains("&"+got.RawQuery+"&", "&perPage=20&") {
					t.Errorf("raw query %q does not contain perPage=20", got.RawQuery)
				}
				wantQueryValue(t, got, "cursor", cursor)
			},
		},
		wireCase{
			name:        "listPublishedTransactionalEmails without parameters",
			operationID: "listPublishedTransactionalEmails",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.ListPublishedTransactionalEmails(ctx, &gen.ListPublishedTransactionalEmailsParams{})
			},
			check: func(t *testing.T, got wireRequest) {
				if got.RawQuery != "" {
					t.Errorf("raw query = %q, want none when no parameter is set", got.RawQuery)
				}
			},
		},
		wireCase{
			name:        "perPage below the range is sent, and the contract rejects it",
			operationID: "listPublishedTransactionalEmails",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				nine := 9
				return c.ListPublishedTransactionalEmails(ctx, &gen.ListPublishedTransactionalEmailsParams{PerPage: &nine})
			},
			check: func(t *testing.T, got wireRequest) {
				wantQueryValue(t, got, "perPage", "9")
			},
			contractRejects: `parameter "perPage" in query has an error: number must be at least 10`,
		},
		wireCase{
			name:        "listContactProperties filter",
			operationID: "listContactProperties",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				list := gen.ContactPropertyFilterCustom
				return c.ListContactProperties(ctx, &gen.ListContactPropertiesParams{List: &list})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodGet, "/api/v1/contacts/properties")
				wantQueryValue(t, got, "list", "custom")
			},
		},
	)
	runWireCases(t, cases)
}

// wantBody checks the top-level keys of a JSON body: each entry of want is
// either the compact JSON the key must hold, or absent.
func wantBody(t *testing.T, got wireRequest, want map[string]string) {
	t.Helper()
	keys := got.bodyKeys(t)
	for key, wantJSON := range want {
		raw, ok := keys[key]
		switch {
		case wantJSON == absent && ok:
			t.Errorf("body has %q: %s, want the key left out\nbody: %s", key, raw, got.Body)
		case wantJSON == absent:
		case !ok:
			t.Errorf("body has no %q key, want %s\nbody: %s", key, wantJSON, got.Body)
		default:
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil {
				t.Fatalf("key %q: %v", key, err)
			}
			if compact.String() != wantJSON {
				t.Errorf("body %q = %s, want %s\nbody: %s", key, compact.String(), wantJSON, got.Body)
			}
		}
	}
}

// absent marks a body key that must not be sent at all.
const absent = "<absent>"

// wantJSONContentType checks the request announces a JSON body.
func wantJSONContentType(t *testing.T, got wireRequest) {
	t.Helper()
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
}

// lists is a mailing-list subscription set for cases that test something
// else: see TestWireUnsetMailingListsAreOmitted for leaving it unset.
var lists = map[string]bool{"cm06f5v0e45nf0ml5754o9cix": true}

func TestWireContactBodies(t *testing.T) {
	userID := "usr_7f8e9d0c1b2a"
	email := "alex+tag@example.com"
	falseValue := false

	update := func(body gen.ContactUpdateRequest) func(context.Context, *gen.Client) (*http.Response, error) {
		return func(ctx context.Context, c *gen.Client) (*http.Response, error) {
			return c.UpdateContact(ctx, body)
		}
	}
	checkUpdate := func(want map[string]string) func(*testing.T, wireRequest) {
		return func(t *testing.T, got wireRequest) {
			wantRequestLine(t, got, http.MethodPut, "/api/v1/contacts/update")
			wantJSONContentType(t, got)
			wantBody(t, got, want)
		}
	}

	cases := []wireCase{
		{
			name:        "updateContact firstName null clears",
			operationID: "updateContact",
			send:        update(gen.ContactUpdateRequest{UserID: &userID, FirstName: nullable.NewNullNullable[string](), MailingLists: lists}),
			check:       checkUpdate(map[string]string{"userId": `"usr_7f8e9d0c1b2a"`, "firstName": `null`}),
		},
		{
			name:        "updateContact firstName unset is left out",
			operationID: "updateContact",
			send:        update(gen.ContactUpdateRequest{UserID: &userID, MailingLists: lists}),
			check: checkUpdate(map[string]string{
				"firstName": absent, "lastName": absent, "source": absent, "userGroup": absent,
				"email": absent, "subscribed": absent,
			}),
		},
		{
			name:        "updateContact firstName value",
			operationID: "updateContact",
			send:        update(gen.ContactUpdateRequest{Email: &email, FirstName: nullable.NewNullableWithValue("Alex"), MailingLists: lists}),
			check:       checkUpdate(map[string]string{"email": `"alex+tag@example.com"`, "firstName": `"Alex"`, "userId": absent}),
		},
		{
			name:        "updateContact subscribed nil is left out",
			operationID: "updateContact",
			send:        update(gen.ContactUpdateRequest{Email: &email, Subscribed: nil, MailingLists: lists}),
			check:       checkUpdate(map[string]string{"subscribed": absent}),
		},
		{
			name:        "updateContact subscribed false is sent",
			operationID: "updateContact",
			send:        update(gen.ContactUpdateRequest{Email: &email, Subscribed: &falseValue, MailingLists: lists}),
			check:       checkUpdate(map[string]string{"subscribed": `false`}),
		},
		{
			name:        "updateContact custom properties are top-level keys",
			operationID: "updateContact",
			send: update(gen.ContactUpdateRequest{
				UserID:       &userID,
				MailingLists: lists,
				AdditionalProperties: map[string]gen.PropertyValue{
					"planName":  "pro",
					"seats":     5,
					"vip":       true,
					"churnedAt": nil,
				},
			}),
			check: checkUpdate(map[string]string{
				"planName":             `"pro"`,
				"seats":                `5`,
				"vip":                  `true`,
				"churnedAt":            `null`,
				"AdditionalProperties": absent,
				"mailingLists":         `{"cm06f5v0e45nf0ml5754o9cix":true}`,
			}),
		},
		{
			name:        "updateContact object property is sent, and the contract rejects it",
			operationID: "updateContact",
			send: update(gen.ContactUpdateRequest{
				UserID:               &userID,
				MailingLists:         lists,
				AdditionalProperties: map[string]gen.PropertyValue{"plan": map[string]any{"tier": "pro"}},
			}),
			check:           checkUpdate(map[string]string{"plan": `{"tier":"pro"}`}),
			contractRejects: `Error at "/plan"`,
		},
		{
			name:        "createContact null, value and custom property",
			operationID: "createContact",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.CreateContact(ctx, gen.ContactCreateRequest{
					Email:                email,
					LastName:             nullable.NewNullNullable[string](),
					UserGroup:            nullable.NewNullableWithValue("customers"),
					MailingLists:         lists,
					AdditionalProperties: map[string]gen.PropertyValue{"planName": "pro"},
				})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodPost, "/api/v1/contacts/create")
				wantJSONContentType(t, got)
				wantBody(t, got, map[string]string{
					"email": `"alex+tag@example.com"`, "lastName": `null`, "userGroup": `"customers"`,
					"firstName": absent, "subscribed": absent, "userId": absent, "planName": `"pro"`,
				})
			},
		},
		{
			name:        "deleteContact by email only",
			operationID: "deleteContact",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.DeleteContact(ctx, gen.ContactDeleteRequest{Email: &email})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodPost, "/api/v1/contacts/delete")
				wantBody(t, got, map[string]string{"email": `"alex+tag@example.com"`, "userId": absent})
			},
		},
		{
			name:        "deleteContact with both identifiers is sent, and the contract rejects it",
			operationID: "deleteContact",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.DeleteContact(ctx, gen.ContactDeleteRequest{Email: &email, UserID: &userID})
			},
			check: func(t *testing.T, got wireRequest) {
				wantBody(t, got, map[string]string{"email": `"alex+tag@example.com"`, "userId": `"usr_7f8e9d0c1b2a"`})
			},
			contractRejects: "input matches more than one oneOf schemas",
		},
		{
			name:        "createContactProperty",
			operationID: "createContactProperty",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.CreateContactProperty(ctx, gen.ContactPropertyCreateRequest{Name: "planName", Type: gen.ContactPropertyTypeDate})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodPost, "/api/v1/contacts/properties")
				wantBody(t, got, map[string]string{"name": `"planName"`, "type": `"date"`})
			},
		},
	}
	runWireCases(t, cases)
}

// TestWireUnsetMailingListsAreOmitted checks that a request leaving
// MailingLists unset sends no mailingLists key. The contract types
// mailingLists as a non-nullable object, so an explicit null is off-contract
// (and the API's answer to it is not documented).
func TestWireUnsetMailingListsAreOmitted(t *testing.T) {
	email := "alex@example.com"
	checkOmitted := func(t *testing.T, got wireRequest) {
		wantBody(t, got, map[string]string{"mailingLists": absent})
	}
	runWireCases(t, []wireCase{
		{
			name:        "createContact",
			operationID: "createContact",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.CreateContact(ctx, gen.ContactCreateRequest{Email: email})
			},
			check: checkOmitted,
		},
		{
			name:        "updateContact",
			operationID: "updateContact",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.UpdateContact(ctx, gen.ContactUpdateRequest{Email: &email})
			},
			check: checkOmitted,
		},
		{
			name:        "sendEvent",
			operationID: "sendEvent",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.SendEvent(ctx, nil, gen.EventRequest{Email: &email, EventName: "signup"})
			},
			check: checkOmitted,
		},
	})
}

func TestWireEventsAndIdempotency(t *testing.T) {
	email := "alex@example.com"
	event := gen.EventRequest{
		Email:                &email,
		EventName:            "planUpgraded",
		EventProperties:      map[string]gen.EventPropertyValue{"plan": "pro", "seats": 5, "annual": false},
		MailingLists:         lists,
		AdditionalProperties: map[string]gen.PropertyValue{"planName": "pro", "trialEndsAt": nil},
	}
	sendEvent := func(key string) func(context.Context, *gen.Client) (*http.Response, error) {
		return func(ctx context.Context, c *gen.Client) (*http.Response, error) {
			return c.SendEvent(ctx, &gen.SendEventParams{IdempotencyKey: &key}, event)
		}
	}
	wantKey := func(key string) func(*testing.T, wireRequest) {
		return func(t *testing.T, got wireRequest) {
			if values := got.Header.Values("Idempotency-Key"); len(values) != 1 || values[0] != key {
				t.Errorf("Idempotency-Key arrived as %q, want exactly [%q]", values, key)
			}
		}
	}

	uuid := "8a3e0c6e-0bb4-4d8e-9f0d-4c5b0f6f7a21"
	reserved := "order:42/retry=1?a=b&c+d%20e f"
	tooLong := strings.Repeat("k", 101)

	cases := []wireCase{
		{
			name:        "sendEvent body",
			operationID: "sendEvent",
			send:        sendEvent(uuid),
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodPost, "/api/v1/events/send")
				wantJSONContentType(t, got)
				wantBody(t, got, map[string]string{
					"email":           `"alex@example.com"`,
					"eventName":       `"planUpgraded"`,
					"eventProperties": `{"annual":false,"plan":"pro","seats":5}`,
					"planName":        `"pro"`,
					"trialEndsAt":     `null`,
					"userId":          absent,
				})
			},
		},
		{
			name:        "sendEvent without a key sends no header",
			operationID: "sendEvent",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.SendEvent(ctx, &gen.SendEventParams{}, event)
			},
			check: func(t *testing.T, got wireRequest) {
				if values := got.Header.Values("Idempotency-Key"); len(values) != 0 {
					t.Errorf("Idempotency-Key = %q, want no header when none is set", values)
				}
			},
		},
		{
			name:        "sendEvent UUID key",
			operationID: "sendEvent",
			send:        sendEvent(uuid),
			check:       wantKey(uuid),
		},
		{
			name:        "sendEvent key with reserved characters arrives unescaped",
			operationID: "sendEvent",
			send:        sendEvent(reserved),
			check:       wantKey(reserved),
		},
		{
			name:            "sendEvent 101-character key is sent, and the contract rejects it",
			operationID:     "sendEvent",
			send:            sendEvent(tooLong),
			check:           wantKey(tooLong),
			contractRejects: `parameter "Idempotency-Key" in header has an error: maximum string length is 100`,
		},
		{
			name:        "sendTransactionalEmail key and base64 attachment",
			operationID: "sendTransactionalEmail",
			send: func(ctx context.Context, c *gen.Client) (*http.Response, error) {
				return c.SendTransactionalEmail(ctx, &gen.SendTransactionalEmailParams{IdempotencyKey: &uuid}, gen.TransactionalRequest{
					TransactionalID: "cll42l54f20i1la0lfooe3z12",
					Email:           email,
					DataVariables: map[string]gen.DataVariableValue{
						"name":  "Alex",
						"items": []map[string]any{{"name": "Widget", "price": 9.5}},
					},
					Attachments: []gen.Attachment{{Filename: "receipt.pdf", ContentType: "application/pdf", Data: attachmentBytes}},
				})
			},
			check: func(t *testing.T, got wireRequest) {
				wantRequestLine(t, got, http.MethodPost, "/api/v1/transactional")
				wantKey(uuid)(t, got)
				wantBody(t, got, map[string]string{
					"transactionalId": `"cll42l54f20i1la0lfooe3z12"`,
					"addToAudience":   absent,
					"dataVariables":   `{"items":[{"name":"Widget","price":9.5}],"name":"Alex"}`,
				})
				wantAttachmentData(t, got, attachmentBytes)
			},
		},
	}
	runWireCases(t, cases)
}

// attachmentBytes covers every base64 padding case and bytes that are not text.
var attachmentBytes = []byte{0x00, 0xff, 0xfe, '%', 'P', 'D', 'F', '\n', 0x80}

// wantAttachmentData checks the first attachment's data is standard base64 of want.
func wantAttachmentData(t *testing.T, got wireRequest, want []byte) {
	t.Helper()
	var body struct {
		Attachments []struct {
			Filename    string `json:"filename"`
			ContentType string `json:"contentType"`
			Data        string `json:"data"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(got.Body, &body); err != nil {
		t.Fatalf("body: %v", err)
	}
	if len(body.Attachments) != 1 {
		t.Fatalf("body has %d attachments, want 1\nbody: %s", len(body.Attachments), got.Body)
	}
	a := body.Attachments[0]
	if wantData := base64.StdEncoding.EncodeToString(want); a.Data != wantData {
		t.Errorf("attachment data = %q, want standard base64 %q", a.Data, wantData)
	}
	if a.Filename != "receipt.pdf" || a.ContentType != "application/pdf" {
		t.Errorf("attachment = %q (%q), want receipt.pdf (application/pdf)", a.Filename, a.ContentType)
	}
}

// TestWireIdempotencyKeyRefusesHeaderInjection checks a key holding a line
// break never reaches the server: net/http refuses the header value.
func TestWireIdempotencyKeyRefusesHeaderInjection(t *testing.T) {
	client, log := newWireClient(t)
	key := "abc\r\nX-Injected: 1"
	email := "alex@example.com"
	resp, err := client.SendEvent(context.Background(), &gen.SendEventParams{IdempotencyKey: &key},
		gen.EventRequest{Email: &email, EventName: "signup", MailingLists: lists})
	if err == nil {
		_ = resp.Body.Close()
		t.Fatalf("a key with CR LF was sent (status %s), want an error", resp.Status)
	}
	t.Logf("refused: %v", err)
	if !strings.Contains(err.Error(), "header") {
		t.Errorf("error = %v, want net/http's invalid header complaint", err)
	}
	if n := len(log.requests()); n != 0 {
		t.Errorf("server received %d requests, want none", n)
	}
}

// TestWireContractValidatorRejectsForeignRequests guards the harness: a
// request outside the contract must not route, and a wrong key must fail auth.
func TestWireContractValidatorRejectsForeignRequests(t *testing.T) {
	router := contractRouter(t)
	if _, err := validateAgainstContract(router, wireRequest{Method: http.MethodGet, Path: "/api/v1/contacts/unknown", Header: http.Header{}}); err == nil {
		t.Error("an unknown path was accepted")
	}
	if _, err := validateAgainstContract(router, wireRequest{Method: http.MethodGet, Path: "/v1/api-key", Header: http.Header{"Authorization": {"Bearer " + testAPIKey}}}); err == nil {
		t.Error("a path without the /api prefix was accepted")
	}
	_, err := validateAgainstContract(router, wireRequest{Method: http.MethodGet, Path: "/api/v1/api-key", Header: http.Header{"Authorization": {"Bearer wrong"}}})
	var secErr *openapi3filter.SecurityRequirementsError
	if !errors.As(err, &secErr) {
		t.Errorf("a wrong key gave %v, want a SecurityRequirementsError", err)
	}
}

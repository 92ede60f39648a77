package loopstest_test

import (
	"net/http"
	"testing"

	"github.com/loopsdev/loops-go/loops/loopstest"
)

func TestContractViolationsAreReported(t *testing.T) {
	cases := []struct {
		name         string
		method, path string
		body         any
		mention      []string
	}{
		{"wrong type", "POST", "/v1/contacts/create", map[string]any{"email": 5}, []string{"createContact", "/email", "string"}},
		{"missing field", "POST", "/v1/contacts/create", map[string]any{"firstName": "A"}, []string{"createContact", `"email"`, "missing"}},
		{"both identifiers", "POST", "/v1/contacts/delete", map[string]any{"email": "a@example.com", "userId": "u"}, []string{"deleteContact", "exactly one of: email, userId"}},
		{"no identifier", "PUT", "/v1/contacts/update", map[string]any{"firstName": "A"}, []string{"updateContact", "at least one of: email, userId"}},
		{"object as property", "PUT", "/v1/contacts/update", map[string]any{"email": "a@example.com", "plan": map[string]any{}}, []string{"updateContact", "/plan"}},
		{"perPage too small", "GET", "/v1/transactional?perPage=5", nil, []string{"listPublishedTransactionalEmails", `"perPage"`, "10"}},
		{"unknown filter", "GET", "/v1/contacts/properties?list=some", nil, []string{"listContactProperties", `"list"`}},
		{"bad property type", "POST", "/v1/contacts/properties", map[string]any{"name": "x", "type": "text"}, []string{"createContactProperty", "/type"}},
		{"not JSON", "POST", "/v1/events/send", "{", []string{"sendEvent", "body"}},
		{"bad base64", "POST", "/v1/transactional", map[string]any{"transactionalId": "t", "email": "a@example.com",
			"attachments": []map[string]any{{"filename": "f", "contentType": "text/plain", "data": "***"}}}, []string{"sendTransactionalEmail", "/attachments/0/data"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			srv := loopstest.NewServer(rec)
			res := newClient(t, srv).do(tc.method, tc.path, tc.body).want(t, http.StatusBadRequest)
			got := rec.reported()
			t.Logf("reported: %q", got)
			if len(got) != 1 || !contains(got[0], tc.mention...) {
				t.Fatalf("reported %q, want one violation mentioning %q", got, tc.mention)
			}
			if m := res.object(t); m["success"] != false || m["message"] == "" {
				t.Errorf("body %s", res.body)
			}
			if v := srv.Violations(); len(v) != 1 || v[0] != got[0] {
				t.Errorf("Violations() = %q", v)
			}
			if len(srv.Contacts()) != 0 || len(srv.Events()) != 0 {
				t.Error("an invalid request was processed")
			}
		})
	}
}

// TestValidTrafficHasNoViolations drives every operation correctly; the
// server made with the real t fails the test on any violation, including
// one in the fake's own answers.
func TestValidTrafficHasNoViolations(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(welcome), loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	c.do("GET", "/v1/api-key", nil).want(t, http.StatusOK)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "v@example.com", "firstName": nil, "n": 1.5, "b": false}).want(t, http.StatusOK)
	c.do("PUT", "/v1/contacts/update", map[string]any{"userId": "uv", "email": "v@example.com", "lastName": "L"}).want(t, http.StatusOK)
	c.do("GET", "/v1/contacts/find?userId=uv", nil).want(t, http.StatusOK)
	c.do("GET", "/v1/contacts/suppression?userId=uv", nil).want(t, http.StatusOK)
	c.do("DELETE", "/v1/contacts/suppression?userId=uv", nil).want(t, http.StatusBadRequest)
	c.do("GET", "/v1/contacts/properties?list=custom", nil).want(t, http.StatusOK)
	c.do("POST", "/v1/contacts/properties", map[string]any{"name": "tier", "type": "date"}).want(t, http.StatusOK)
	c.do("GET", "/v1/lists", nil).want(t, http.StatusOK)
	c.do("POST", "/v1/events/send", map[string]any{"userId": "uv", "eventName": "e", "eventProperties": map[string]any{"a": true}}).want(t, http.StatusOK)
	c.do("GET", "/v1/transactional?perPage=10", nil).want(t, http.StatusOK)
	c.do("POST", "/v1/transactional", map[string]any{"transactionalId": "tx_welcome", "email": "v@example.com",
		"dataVariables": map[string]any{"name": "n", "url": 1}}).want(t, http.StatusOK)
	c.do("GET", "/v1/dedicated-sending-ips", nil).want(t, http.StatusOK)
	c.do("POST", "/v1/contacts/delete", map[string]any{"email": "v@example.com"}).want(t, http.StatusOK)
	c.do("POST", "/v1/contacts/delete", map[string]any{"email": "v@example.com"}).want(t, http.StatusNotFound)
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("violations %q", v)
	}
}

package loopstest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

func TestURLAndKey(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithAPIKey("sk_custom"))
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || !strings.HasSuffix(srv.URL(), "/api") {
		t.Errorf("URL() = %q, want http://127.0.0.1:<port>/api", srv.URL())
	}
	if srv.APIKey() != "sk_custom" {
		t.Errorf("APIKey() = %q", srv.APIKey())
	}
	if got := loopstest.NewServer(t).APIKey(); got != loopstest.DefaultAPIKey {
		t.Errorf("default APIKey() = %q, want %q", got, loopstest.DefaultAPIKey)
	}
}

func TestAPIKey(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTeamName("Acme"))
	c := newClient(t, srv)

	var got loops.APIKeyResponse
	res := c.do("GET", "/v1/api-key", nil).want(t, http.StatusOK)
	res.decode(t, &got)
	if !got.Success || got.TeamName != "Acme" {
		t.Errorf("got %+v", got)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if res.header.Get("x-ratelimit-limit") != "10" || res.header.Get("x-ratelimit-remaining") != "9" {
		t.Errorf("rate headers %v", res.header)
	}
}

func TestWrongKeyIs401(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	c.key = "not-the-key"

	res := c.do("GET", "/v1/api-key", nil).want(t, http.StatusUnauthorized)
	body := res.object(t)
	if body["success"] != false || body["message"] != "Invalid API key" || body["error"] != "Invalid API key" {
		t.Errorf("body %s", res.body)
	}
	if res.header.Get("x-ratelimit-limit") == "" || res.header.Get("x-ratelimit-remaining") == "" {
		t.Errorf("401 lacks rate headers: %v", res.header)
	}
	if len(srv.Contacts()) != 0 {
		t.Error("an unauthenticated request changed state")
	}
}

func TestMissingKeyIs401AndAViolation(t *testing.T) {
	rec := &recordingTB{TB: t}
	srv := loopstest.NewServer(rec)
	c := newClient(t, srv)
	c.key = ""

	c.do("POST", "/v1/contacts/create", map[string]any{"email": "a@example.com"}).want(t, http.StatusUnauthorized)
	if got := rec.reported(); len(got) != 1 || !strings.Contains(got[0], "createContact") || !strings.Contains(got[0], "Bearer") {
		t.Errorf("reported %q, want one violation naming createContact and the bearer header", got)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	rec := &recordingTB{TB: t}
	srv := loopstest.NewServer(rec)
	c := newClient(t, srv)

	res := c.do("GET", "/v1/nowhere", nil).want(t, http.StatusNotFound)
	if res.header.Get("Content-Type") != "application/json" || res.object(t)["success"] != false {
		t.Errorf("404 %v %s", res.header, res.body)
	}
	res = c.do("DELETE", "/v1/lists", nil).want(t, http.StatusMethodNotAllowed)
	if res.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", res.header.Get("Allow"))
	}
	if got := rec.reported(); len(got) != 2 {
		t.Errorf("reported %q, want 2 violations", got)
	}
}

func TestMailingListsAndIPs(t *testing.T) {
	srv := loopstest.NewServer(t,
		loopstest.WithMailingLists(
			loops.MailingList{ID: "list1", Name: "One", IsPublic: true},
			loops.MailingList{ID: "list2", Name: "Two", Description: new("Second")},
		),
		loopstest.WithDedicatedSendingIPs("203.0.113.5"),
	)
	c := newClient(t, srv)

	res := c.do("GET", "/v1/lists", nil).want(t, http.StatusOK)
	if want := `[{"id":"list1","name":"One","description":null,"isPublic":true},{"id":"list2","name":"Two","description":"Second","isPublic":false}]`; string(res.body) != want {
		t.Errorf("lists %s\nwant %s", res.body, want)
	}
	res = c.do("GET", "/v1/dedicated-sending-ips", nil).want(t, http.StatusOK)
	if string(res.body) != `["203.0.113.5"]` {
		t.Errorf("ips %s", res.body)
	}
}

func TestRequestsJournal(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "a@example.com"}).want(t, http.StatusOK)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "a@example.com"}).want(t, http.StatusConflict)
	c.do("GET", "/v1/lists?x=1", nil).want(t, http.StatusOK)

	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[1]
	if r.Method != "POST" || r.Path != "/api/v1/contacts/create" || r.Route != "POST /v1/contacts/create" ||
		r.Status != http.StatusConflict || r.Attempt != 2 || r.Fault != "" || string(r.Body) != `{"email":"a@example.com"}` {
		t.Errorf("request %+v", r)
	}
	if auth := r.Header.Get("Authorization"); strings.Contains(auth, srv.APIKey()) {
		t.Errorf("Authorization not redacted: %q", auth)
	}
	if reqs[2].Query.Get("x") != "1" || reqs[2].Attempt != 1 {
		t.Errorf("request %+v", reqs[2])
	}
	if n := srv.RequestCount("POST /v1/contacts/create"); n != 2 {
		t.Errorf("RequestCount = %d", n)
	}
	reqs[0].Body[0] = 'X'
	if srv.Requests()[0].Body[0] == 'X' {
		t.Error("Requests returned shared memory")
	}
}

func TestNewWithoutTestingTB(t *testing.T) {
	srv := loopstest.New()
	c := newClient(t, srv)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": 5}).want(t, http.StatusBadRequest)
	srv.Close()
	srv.Close() // idempotent
	if v := srv.Violations(); len(v) != 1 || !strings.Contains(v[0], "/email") {
		t.Errorf("Violations() = %q", v)
	}
	if _, err := c.try(t.Context(), "GET", "/v1/lists", nil); err == nil {
		t.Error("request after Close succeeded")
	}
}

func TestHandlerServedElsewhere(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithoutListener())
	mounted := httptest.NewServer(srv.Handler())
	defer mounted.Close()
	c := newClient(t, srv)
	c.base = mounted.URL + "/api"

	c.do("GET", "/v1/lists", nil).want(t, http.StatusOK)
	// A POST without an Idempotency-Key, which net/http never resends.
	srv.Inject(sendEvent, loopstest.DropConnection())
	if _, err := c.try(t.Context(), "POST", "/v1/events/send", event); err == nil {
		t.Error("DropConnection through Handler answered")
	}
}

func TestInvalidTemplatesPanic(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a duplicate transactional email ID")
		}
	}()
	loopstest.New(loopstest.WithTransactionalEmails(
		loopstest.TransactionalEmail{ID: "a"}, loopstest.TransactionalEmail{ID: "a"}))
}

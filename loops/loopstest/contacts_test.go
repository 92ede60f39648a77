package loopstest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

const (
	listUpdates    = "cm06f5v0e45nf0ml5754o9cix" // a default list
	listNewsletter = "cm16k73gq014h0mmj5b6jdi9r" // the other default list
)

// find fetches the contacts matching one query, such as "email=a@b.c".
func find(t *testing.T, c *client, query string) []map[string]any {
	t.Helper()
	var out []map[string]any
	c.do("GET", "/v1/contacts/find?"+query, nil).want(t, http.StatusOK).decode(t, &out)
	return out
}

func findOne(t *testing.T, c *client, query string) map[string]any {
	t.Helper()
	found := find(t, c, query)
	if len(found) != 1 {
		t.Fatalf("find %s: %d contacts", query, len(found))
	}
	return found[0]
}

func TestCreateContact(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)

	var created loops.ContactSuccessResponse
	c.do("POST", "/v1/contacts/create", map[string]any{
		"email": "alex@example.com", "firstName": "Alex", "userId": "u1",
		"mailingLists": map[string]bool{listUpdates: true}, "planName": "pro",
	}).want(t, http.StatusOK).decode(t, &created)
	if !created.Success || !strings.HasPrefix(created.ID, "c") || len(created.ID) != 25 {
		t.Errorf("created %+v", created)
	}

	got, ok := srv.Contact("ALEX@example.com")
	if !ok || got.ID != created.ID || *got.FirstName != "Alex" || *got.UserID != "u1" ||
		!*got.Subscribed || *got.Source != "API" || !got.MailingLists[listUpdates] || got.AdditionalProperties["planName"] != "pro" {
		t.Errorf("stored %+v", got)
	}

	for _, body := range []map[string]any{
		{"email": "alex@example.com"},
		{"email": "other@example.com", "userId": "u1"},
	} {
		res := c.do("POST", "/v1/contacts/create", body).want(t, http.StatusConflict)
		if m := res.object(t); m["success"] != false || m["message"] != "Email or userId is already on list." {
			t.Errorf("409 body %s", res.body)
		}
	}
	if n := len(srv.Contacts()); n != 1 {
		t.Errorf("%d contacts after conflicts", n)
	}
}

func TestCreateContactRefusals(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "no-at-sign"}).want(t, http.StatusBadRequest)
	res := c.do("POST", "/v1/contacts/create", map[string]any{
		"email": "a@example.com", "mailingLists": map[string]bool{"nope": true},
	}).want(t, http.StatusBadRequest)
	if !strings.Contains(res.message(t), "nope") {
		t.Errorf("message %q", res.message(t))
	}
	if len(srv.Contacts()) != 0 {
		t.Error("a refused create stored a contact")
	}
}

func TestUpdateUpsertsAndClears(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)

	// No match: the update creates the contact.
	var first loops.ContactSuccessResponse
	c.do("PUT", "/v1/contacts/update", map[string]any{
		"email": "sam@example.com", "firstName": "Sam", "lastName": "Lee", "userGroup": "beta",
		"planName": "pro", "seats": 3, "trial": true,
		"mailingLists": map[string]bool{listUpdates: true, listNewsletter: true},
	}).want(t, http.StatusOK).decode(t, &first)

	// Null clears, absent keys stay, and subscribed is untouched when absent.
	c.do("PUT", "/v1/contacts/update", map[string]any{
		"email": "sam@example.com", "lastName": nil, "userGroup": nil, "planName": nil, "seats": 4,
		"mailingLists": map[string]bool{listNewsletter: false},
	}).want(t, http.StatusOK)

	got := findOne(t, c, "email=sam%40example.com")
	want := map[string]any{
		"id": first.ID, "email": "sam@example.com", "firstName": "Sam", "lastName": nil,
		"userGroup": "", "source": "API", "subscribed": true, "userId": nil, "optInStatus": nil,
		"seats": float64(4), "trial": true,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	if _, ok := got["planName"]; ok {
		t.Error("planName survived being set to null")
	}
	if lists := got["mailingLists"].(map[string]any); len(lists) != 1 || lists[listUpdates] != true {
		t.Errorf("mailingLists %v", lists)
	}

	c.do("PUT", "/v1/contacts/update", map[string]any{"email": "sam@example.com", "subscribed": false}).want(t, http.StatusOK)
	if findOne(t, c, "email=sam%40example.com")["subscribed"] != false {
		t.Error("subscribed: false was not applied")
	}
}

func TestUpdateMatchesEitherIdentifier(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "old@example.com"}).want(t, http.StatusOK)

	// Matched by email: the userId is added.
	c.do("PUT", "/v1/contacts/update", map[string]any{"email": "old@example.com", "userId": "u9"}).want(t, http.StatusOK)
	// Matched by userId: the email changes.
	c.do("PUT", "/v1/contacts/update", map[string]any{"email": "new@example.com", "userId": "u9"}).want(t, http.StatusOK)

	if found := find(t, c, "email=old%40example.com"); len(found) != 0 {
		t.Errorf("old email still found: %v", found)
	}
	if got := findOne(t, c, "userId=u9"); got["email"] != "new@example.com" {
		t.Errorf("by userId: %v", got)
	}

	// Only a userId that matches nobody: nothing to create from.
	c.do("PUT", "/v1/contacts/update", map[string]any{"userId": "ghost"}).want(t, http.StatusBadRequest)
	// Identifiers of two different contacts.
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "b@example.com", "userId": "u2"}).want(t, http.StatusOK)
	c.do("PUT", "/v1/contacts/update", map[string]any{"email": "b@example.com", "userId": "u9"}).want(t, http.StatusBadRequest)
	if n := len(srv.Contacts()); n != 2 {
		t.Errorf("%d contacts", n)
	}
}

func TestFindTakesExactlyOneIdentifier(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	for _, q := range []string{"", "?email=a%40example.com&userId=u1"} {
		res := c.do("GET", "/v1/contacts/find"+q, nil).want(t, http.StatusBadRequest)
		if m := res.object(t); m["success"] != false || m["message"] == "" {
			t.Errorf("find%s: body %s", q, res.body)
		}
	}
	if found := find(t, c, "email=nobody%40example.com"); found == nil || len(found) != 0 {
		t.Errorf("find of nobody = %#v, want []", found)
	}
}

func TestDeleteContact(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "a@example.com", "userId": "u1"}).want(t, http.StatusOK)

	res := c.do("POST", "/v1/contacts/delete", map[string]any{"userId": "u1"}).want(t, http.StatusOK)
	if string(res.body) != `{"message":"Contact deleted.","success":true}` {
		t.Errorf("delete body %s", res.body)
	}
	res = c.do("POST", "/v1/contacts/delete", map[string]any{"email": "a@example.com"}).want(t, http.StatusNotFound)
	if res.object(t)["success"] != false {
		t.Errorf("404 body %s", res.body)
	}
	if len(srv.Contacts()) != 0 {
		t.Error("contact not deleted")
	}
}

func TestSuppressionFlow(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithSuppressionRemovalQuota(1))
	c := newClient(t, srv)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "s@example.com"}).want(t, http.StatusOK)
	q := "?email=" + url.QueryEscape("s@example.com")

	var status struct {
		Contact      map[string]any         `json:"contact"`
		IsSuppressed bool                   `json:"isSuppressed"`
		RemovalQuota loops.SuppressionQuota `json:"removalQuota"`
	}
	c.do("GET", "/v1/contacts/suppression"+q, nil).want(t, http.StatusOK).decode(t, &status)
	if status.IsSuppressed || status.RemovalQuota != (loops.SuppressionQuota{Limit: 1, Remaining: 1}) ||
		status.Contact["email"] != "s@example.com" || status.Contact["userId"] != nil {
		t.Errorf("status %+v", status)
	}
	c.do("DELETE", "/v1/contacts/suppression"+q, nil).want(t, http.StatusBadRequest) // not suppressed

	srv.Suppress("s@example.com")
	var removal loops.ContactSuppressionRemoval
	c.do("DELETE", "/v1/contacts/suppression"+q, nil).want(t, http.StatusOK).decode(t, &removal)
	if !removal.Success || removal.RemovalQuota.Remaining != 0 {
		t.Errorf("removal %+v", removal)
	}
	c.do("GET", "/v1/contacts/suppression"+q, nil).want(t, http.StatusOK).decode(t, &status)
	if status.IsSuppressed {
		t.Error("still suppressed")
	}

	srv.Suppress("s@example.com")
	c.do("DELETE", "/v1/contacts/suppression"+q, nil).want(t, http.StatusBadRequest) // quota used up
	c.do("GET", "/v1/contacts/suppression?email=x%40example.com", nil).want(t, http.StatusNotFound)
	c.do("GET", "/v1/contacts/suppression", nil).want(t, http.StatusBadRequest)
}

func TestSuppressionQuotaWindowUsesTheClock(t *testing.T) {
	clock := newFakeClock()
	srv := loopstest.NewServer(t, loopstest.WithClock(clock.Now), loopstest.WithSuppressionRemovalQuota(1))
	c := newClient(t, srv)
	srv.Suppress("q@example.com")
	c.do("DELETE", "/v1/contacts/suppression?email=q%40example.com", nil).want(t, http.StatusOK)
	srv.Suppress("q@example.com")
	c.do("DELETE", "/v1/contacts/suppression?email=q%40example.com", nil).want(t, http.StatusBadRequest)
	clock.Advance(30 * 24 * time.Hour)
	c.do("DELETE", "/v1/contacts/suppression?email=q%40example.com", nil).want(t, http.StatusOK)
}

func TestContactsReturnsCopies(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	c.do("POST", "/v1/contacts/create", map[string]any{"email": "a@example.com", "plan": "pro"}).want(t, http.StatusOK)
	got := srv.Contacts()
	got[0].AdditionalProperties["plan"] = "changed"
	*got[0].Source = "changed"
	again, _ := srv.Contact("a@example.com")
	if again.AdditionalProperties["plan"] != "pro" || *again.Source != "API" {
		t.Error("Contacts returned shared memory")
	}
}

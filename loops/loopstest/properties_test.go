package loopstest_test

import (
	"net/http"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

func listProperties(t *testing.T, c *client, query string) map[string]loops.ContactProperty {
	t.Helper()
	var props []loops.ContactProperty
	c.do("GET", "/v1/contacts/properties"+query, nil).want(t, http.StatusOK).decode(t, &props)
	out := map[string]loops.ContactProperty{}
	for _, p := range props {
		out[p.Key] = p
	}
	return out
}

func TestContactProperties(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)

	all := listProperties(t, c, "")
	if all["firstName"] != (loops.ContactProperty{Key: "firstName", Label: "First Name", Type: "string"}) ||
		all["subscribed"].Type != "boolean" {
		t.Errorf("standard properties %v", all)
	}
	if custom := listProperties(t, c, "?list=custom"); len(custom) != 0 {
		t.Errorf("custom properties of a new team: %v", custom)
	}

	res := c.do("POST", "/v1/contacts/properties", map[string]any{"name": "planName", "type": "string"}).want(t, http.StatusOK)
	if string(res.body) != `{"success":true}` {
		t.Errorf("create body %s", res.body)
	}
	c.do("POST", "/v1/contacts/properties", map[string]any{"name": "planName", "type": "number"}).want(t, http.StatusBadRequest)
	c.do("POST", "/v1/contacts/properties", map[string]any{"name": "firstName", "type": "string"}).want(t, http.StatusBadRequest)
	c.do("POST", "/v1/contacts/properties", map[string]any{"name": "Plan_name", "type": "string"}).want(t, http.StatusBadRequest)

	// A property first seen in a write is listed with the type of its value.
	c.do("PUT", "/v1/contacts/update", map[string]any{"email": "a@example.com", "seatCount": 3}).want(t, http.StatusOK)

	custom := listProperties(t, c, "?list=custom")
	if len(custom) != 2 || custom["planName"] != (loops.ContactProperty{Key: "planName", Label: "Plan Name", Type: "string"}) ||
		custom["seatCount"].Type != "number" {
		t.Errorf("custom properties %v", custom)
	}
	if all := listProperties(t, c, "?list=all"); len(all) != 9 {
		t.Errorf("%d properties in all", len(all))
	}
}

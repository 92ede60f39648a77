package loopstest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestResponseViolationsAreReported feeds the response check answers the
// contract does not allow, as a bug in a handler would produce.
func TestResponseViolationsAreReported(t *testing.T) {
	s := New(WithoutListener())
	defer s.Close()
	req := httptest.NewRequest("GET", "/api/v1/contacts/find?email=a%40example.com", nil)
	rt, err := s.contract.find(req)
	if err != nil {
		t.Fatal(err)
	}
	s.checkResponse(req, rt, newJSON(http.StatusOK, []map[string]any{{"id": 1, "email": "a@example.com"}}).withRate(rateState{limit: 10}))
	s.checkResponse(req, rt, failure(http.StatusConflict, "not a documented status").withRate(rateState{limit: 10}))

	v := s.Violations()
	if len(v) != 2 {
		t.Fatalf("violations %q", v)
	}
	if !strings.Contains(v[0], "by the fake") || !strings.Contains(v[0], "findContact") || !strings.Contains(v[0], "/0/id") {
		t.Errorf("wrong type: %q", v[0])
	}
	if !strings.Contains(v[1], "409") {
		t.Errorf("undocumented status: %q", v[1])
	}
}

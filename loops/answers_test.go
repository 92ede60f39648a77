package loops_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// A 2xx whose body says "success": false is a failure: an *APIError with
// the status and Loops' message, matching ErrUnsuccessful. A "success":
// false nested deeper is only data.
func TestSuccessFalseIsAnError(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	srv.Inject("POST /v1/events/send", loopstest.Reply(200, `{"success":false,"message":"Event name is required"}`))
	err := sendEvent(t.Context(), c)
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, loops.ErrUnsuccessful) || apiErr.StatusCode != http.StatusOK || apiErr.Message != "Event name is required" {
		t.Fatalf("want a 200 *APIError matching ErrUnsuccessful with Loops' message, got %v", err)
	}
	if errors.Is(err, loops.ErrServerError) || errors.Is(err, loops.ErrBadRequest) {
		t.Errorf("%v matches a status sentinel it should not", err)
	}
	srv.Inject("GET /v1/api-key", loopstest.Reply(200, `{"success":true,"teamName":"T","extra":{"success":false}}`))
	if r, err := c.Account.TestAPIKey(t.Context()); err != nil || r.TeamName != "T" {
		t.Errorf("a nested success: false: got %+v, %v", r, err)
	}
}

// An empty 2xx body, or an object without the fields the contract
// requires, is an error that says so; a send, whose answer carries
// nothing, may succeed on an empty body.
func TestAnswersLackingRequiredFields(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	for body, want := range map[string]string{
		"":                 "is empty",
		"{}":               "lacks the required success, teamName",
		`{"success":true}`: "lacks the required teamName",
	} {
		srv.Inject("GET /v1/api-key", loopstest.Reply(200, body))
		r, err := c.Account.TestAPIKey(t.Context())
		if !errors.Is(err, loops.ErrIncompleteAnswer) || !strings.Contains(err.Error(), want) || r != nil {
			t.Errorf("body %q: got %+v, %v; want an error matching ErrIncompleteAnswer saying %q", body, r, err, want)
		}
	}
	srv.Inject("POST /v1/events/send", loopstest.Reply(200, ""))
	if err := sendEvent(t.Context(), c); err != nil {
		t.Errorf("a send with an empty 200 body: %v", err)
	}
}

// A list that keeps answering empty pages, each with a new cursor, stops
// after a bounded run with ErrEmptyPages instead of paging for ever.
func TestIteratorStopsAfterEmptyPages(t *testing.T) {
	var pages int
	api := newRecordingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		pages++
		fmt.Fprintf(w, `{"data":[],"pagination":{"nextCursor":"c%d","perPage":20,"returnedResults":0}}`, pages)
	})
	c := redirectClient(t, api.URL, nil)
	var items int
	var last error
	for _, err := range c.Themes.ListIter(t.Context(), nil) {
		if err != nil {
			last = err
			break
		}
		items++
	}
	if !errors.Is(last, loops.ErrEmptyPages) || items != 0 || pages != 10 {
		t.Errorf("got %v after %d pages and %d items; want ErrEmptyPages after 10 pages", last, pages, items)
	}
}

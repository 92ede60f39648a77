package loops_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

const listRoute = "GET /v1/transactional"

// seededTemplates returns n published templates with distinct IDs and
// dates, newest first as the fake lists them.
func seededTemplates(n int) []loopstest.TransactionalEmail {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]loopstest.TransactionalEmail, n)
	for i := range out {
		out[i] = loopstest.TransactionalEmail{
			ID:          fmt.Sprintf("tmpl%02d", i),
			Name:        fmt.Sprintf("Template %d", i),
			LastUpdated: base.Add(-time.Duration(i) * time.Hour),
		}
	}
	return out
}

func newPagedServer(t *testing.T, n int) *loopstest.Server {
	t.Helper()
	return loopstest.NewServer(t, loopstest.WithTransactionalEmails(seededTemplates(n)...))
}

func TestListPublishedIterFollowsCursors(t *testing.T) {
	srv := newPagedServer(t, 25)
	c := newClient(t, srv)
	ctx := context.Background()
	opts := &loops.ListOptions{PerPage: 10}

	seen := map[string]bool{}
	var order []string
	for email, err := range c.Transactional.ListPublishedIter(ctx, opts) {
		if err != nil {
			t.Fatalf("iteration failed after %d items: %v", len(order), err)
		}
		if seen[email.ID] {
			t.Errorf("item %q yielded twice", email.ID)
		}
		seen[email.ID] = true
		order = append(order, email.ID)
		if len(order) > 100 {
			t.Fatal("the iterator does not stop")
		}
	}
	if len(order) != 25 {
		t.Errorf("got %d items, want 25", len(order))
	}
	for i, id := range order {
		if want := fmt.Sprintf("tmpl%02d", i); id != want {
			t.Errorf("item %d = %q, want %q (newest first, in page order)", i, id, want)
			break
		}
	}
	if n := srv.RequestCount(listRoute); n != 3 {
		t.Errorf("%s requests = %d, want 3 (pages of 10, 10 and 5)", listRoute, n)
	}
	if *opts != (loops.ListOptions{PerPage: 10}) {
		t.Errorf("the caller's ListOptions changed to %+v", *opts)
	}

	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("got %d requests, want 3", len(reqs))
	}
	// What each page pointed at, fetched again with the page method.
	var cursors []string
	cursor := ""
	for range 3 {
		page, err := c.Transactional.ListPublished(ctx, &loops.ListOptions{PerPage: 10, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		cursors = append(cursors, cursor)
		cursor = page.NextCursor()
	}
	for i, r := range reqs {
		if got := r.Query.Get("perPage"); got != "10" {
			t.Errorf("request %d: perPage = %q, want \"10\"", i, got)
		}
		if got := r.Query.Get("cursor"); got != cursors[i] {
			t.Errorf("request %d: cursor = %q, want %q (the previous page's nextCursor)", i, got, cursors[i])
		}
		if i == 0 && r.Query.Has("cursor") {
			t.Errorf("the first request carries a cursor: %v", r.Query)
		}
	}
}

func TestListPublishedIterBreakStopsFetching(t *testing.T) {
	srv := newPagedServer(t, 25)
	c := newClient(t, srv)
	n := 0
	for _, err := range c.Transactional.ListPublishedIter(context.Background(), &loops.ListOptions{PerPage: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 5 {
			break
		}
	}
	if got := srv.RequestCount(listRoute); got != 1 {
		t.Errorf("requests after breaking at item 5 = %d, want 1", got)
	}
	// Breaking at the last item of a page must not fetch the next one.
	srv2 := newPagedServer(t, 25)
	c2 := newClient(t, srv2)
	n = 0
	for _, err := range c2.Transactional.ListPublishedIter(context.Background(), &loops.ListOptions{PerPage: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 10 {
			break
		}
	}
	if got := srv2.RequestCount(listRoute); got != 1 {
		t.Errorf("requests after breaking at item 10 = %d, want 1", got)
	}
}

func TestListPublishedIterNilOptionsUsesDefaultPageSize(t *testing.T) {
	srv := newPagedServer(t, 25)
	c := newClient(t, srv)
	n := 0
	for _, err := range c.Transactional.ListPublishedIter(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 25 {
		t.Errorf("got %d items, want 25", n)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("requests = %d, want 2 (default page size 20)", len(reqs))
	}
	if reqs[0].Query.Has("perPage") || reqs[0].Query.Has("cursor") {
		t.Errorf("nil options sent a query: %v", reqs[0].Query)
	}
}

func TestListPublishedPageByPage(t *testing.T) {
	srv := newPagedServer(t, 25)
	c := newClient(t, srv)
	ctx := context.Background()

	first, err := c.Transactional.ListPublished(ctx, &loops.ListOptions{PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	p := first.Pagination
	if len(first.Data) != 10 || p.ReturnedResults != 10 || p.PerPage != 10 || p.TotalResults != 25 || p.TotalPages != 3 {
		t.Errorf("first page: %d items, pagination %+v; want 10 items of 25 in 3 pages", len(first.Data), p)
	}
	if p.GetNextCursor() == "" {
		t.Fatal("the first page has no NextCursor")
	}

	opts := &loops.ListOptions{PerPage: 10, Cursor: p.GetNextCursor()}
	second, err := c.Transactional.ListPublished(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if *opts != (loops.ListOptions{PerPage: 10, Cursor: p.GetNextCursor()}) {
		t.Errorf("ListPublished changed the caller's options to %+v", *opts)
	}
	if len(second.Data) != 10 || second.Data[0].ID != "tmpl10" {
		t.Errorf("second page starts at %v, want tmpl10", ids(second.Data))
	}
	if first.Data[9].ID == second.Data[0].ID {
		t.Error("the second page repeats the first page's last item")
	}

	third, err := c.Transactional.ListPublished(ctx, &loops.ListOptions{PerPage: 10, Cursor: second.NextCursor()})
	if err != nil {
		t.Fatal(err)
	}
	if len(third.Data) != 5 || third.NextCursor() != "" || third.Pagination.GetNextPage() != "" {
		t.Errorf("last page: %d items, next cursor %q, next page %q; want 5 items and no next",
			len(third.Data), third.NextCursor(), third.Pagination.GetNextPage())
	}
}

func ids(emails []loops.PublishedTransactionalEmail) []string {
	out := make([]string, len(emails))
	for i, e := range emails {
		out[i] = e.ID
	}
	return out
}

// cursorServer answers every list request with one item and the nextCursor
// chosen by next (from the request's cursor). After limit requests it
// answers 500 so that a looping iterator ends, and the test reports it.
func cursorServer(t *testing.T, limit int, next func(cursor string) string) (*httptest.Server, func() int) {
	t.Helper()
	var mu sync.Mutex
	count := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		count++
		n := count
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n > limit {
			w.WriteHeader(http.StatusBadRequest) // not retried: ends the loop
			w.Write([]byte(`{"success":false,"message":"too many pages"}`))
			return
		}
		nc := next(r.URL.Query().Get("cursor"))
		json.NewEncoder(w).Encode(map[string]any{
			"pagination": map[string]any{"totalResults": 1000, "returnedResults": 1, "perPage": 10, "totalPages": 100, "nextCursor": nc, "nextPage": nil},
			"data":       []map[string]any{{"id": fmt.Sprintf("item%d", n), "name": "x", "lastUpdated": "2026-01-01T00:00:00.000Z", "dataVariables": []string{}}},
		})
	}))
	t.Cleanup(ts.Close)
	return ts, func() int {
		mu.Lock()
		defer mu.Unlock()
		return count
	}
}

func TestListPublishedIterStopsOnRepeatedCursor(t *testing.T) {
	tests := []struct {
		name     string
		start    string
		next     func(string) string
		wantReqs int
	}{
		{"same cursor every time", "", func(string) string { return "c1" }, 2},
		{"cycle of two", "", func(cur string) string {
			if cur == "c1" {
				return "c2"
			}
			return "c1"
		}, 3},
		{"the caller's own cursor comes back", "c1", func(string) string { return "c1" }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const limit = 10
			ts, count := cursorServer(t, limit, tt.next)
			c, err := loops.NewClient("key", loops.WithBaseURL(ts.URL+"/api"), loops.WithoutRateLimit(), loops.WithMaxRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			var errs []error
			items, yields := 0, 0
			for _, err := range c.Transactional.ListPublishedIter(context.Background(), &loops.ListOptions{PerPage: 10, Cursor: tt.start}) {
				yields++
				if yields > 3*limit {
					t.Fatal("the iterator keeps yielding")
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				items++
			}
			if count() > limit {
				t.Fatalf("the iterator followed the repeated cursor %d times", count())
			}
			if len(errs) != 1 || !errors.Is(errs[0], loops.ErrRepeatedCursor) {
				t.Fatalf("errors = %v, want exactly one ErrRepeatedCursor", errs)
			}
			if got := count(); got != tt.wantReqs {
				t.Errorf("requests = %d, want %d", got, tt.wantReqs)
			}
			if items != tt.wantReqs {
				t.Errorf("items = %d, want %d (every fetched page is yielded before the error)", items, tt.wantReqs)
			}
		})
	}
}

func TestListPublishedIterAPIErrorMidway(t *testing.T) {
	srv := newPagedServer(t, 25)
	c := newClient(t, srv)
	srv.Inject(listRoute, loopstest.Pass(), loopstest.Status(http.StatusBadRequest))

	var errs []error
	items, yields := 0, 0
	for _, err := range c.Transactional.ListPublishedIter(context.Background(), &loops.ListOptions{PerPage: 10}) {
		yields++
		if yields > 100 {
			t.Fatal("the iterator does not stop")
		}
		if err != nil {
			errs = append(errs, err)
			continue // the iterator must end by itself
		}
		items++
	}
	if items != 10 {
		t.Errorf("items = %d, want the 10 of the first page", items)
	}
	if len(errs) != 1 {
		t.Fatalf("errors = %v, want exactly one", errs)
	}
	var apiErr *loops.APIError
	if !errors.As(errs[0], &apiErr) || apiErr.StatusCode != http.StatusBadRequest || !errors.Is(errs[0], loops.ErrBadRequest) {
		t.Errorf("want a 400 *APIError, got %v", errs[0])
	}
	if n := srv.RequestCount(listRoute); n != 2 {
		t.Errorf("requests = %d, want 2 (a 400 is not retried and ends the loop)", n)
	}
}

func TestListPublishedIterCancelledContext(t *testing.T) {
	t.Run("cancelled before the loop", func(t *testing.T) {
		srv := newPagedServer(t, 25)
		c := newClient(t, srv)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var errs []error
		items := 0
		for _, err := range c.Transactional.ListPublishedIter(ctx, &loops.ListOptions{PerPage: 10}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			items++
		}
		if items != 0 || len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("items %d, errors %v; want no items and one context.Canceled", items, errs)
		}
		if n := srv.RequestCount(listRoute); n != 0 {
			t.Errorf("requests = %d, want 0", n)
		}
	})
	t.Run("cancelled during the loop", func(t *testing.T) {
		srv := newPagedServer(t, 25)
		c := newClient(t, srv)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var errs []error
		items, yields := 0, 0
		for _, err := range c.Transactional.ListPublishedIter(ctx, &loops.ListOptions{PerPage: 10}) {
			yields++
			if yields > 100 {
				t.Fatal("the iterator does not stop")
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			items++
			if items == 3 {
				cancel()
			}
		}
		if items != 10 {
			t.Errorf("items = %d, want the 10 already fetched", items)
		}
		if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("errors = %v, want exactly one matching context.Canceled", errs)
		}
		if n := srv.RequestCount(listRoute); n != 1 {
			t.Errorf("requests = %d, want 1 (nothing is fetched after the cancel)", n)
		}
	})
}

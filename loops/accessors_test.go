package loops_test

import (
	"encoding/json"
	"testing"

	"github.com/loopsdev/loops-go/loops"
)

// The generated getters read absent and null fields as zero values, on a
// nil receiver too, so that chains of optional fields need no nil checks.
func TestGettersAreNilSafe(t *testing.T) {
	var nilContact *loops.Contact
	if nilContact.GetFirstName() != "" || nilContact.GetSubscribed() || nilContact.GetOptInStatus() != "" {
		t.Error("getters on a nil *Contact must return zero values")
	}
	var c loops.Contact
	if err := json.Unmarshal([]byte(`{"id":"c1","email":"ada@example.com","firstName":"Ada","lastName":null,"subscribed":true,"optInStatus":"accepted"}`), &c); err != nil {
		t.Fatal(err)
	}
	if c.GetFirstName() != "Ada" || c.GetLastName() != "" || !c.GetSubscribed() || c.GetOptInStatus() != loops.OptInStatusAccepted || c.GetUserID() != "" {
		t.Errorf("getters: first %q last %q subscribed %v optIn %q userId %q", c.GetFirstName(), c.GetLastName(), c.GetSubscribed(), c.GetOptInStatus(), c.GetUserID())
	}

	var page *loops.PublishedTransactionalEmailList
	if page.Items() != nil || page.NextCursor() != "" {
		t.Error("a nil page has no items and no next cursor")
	}
	if err := json.Unmarshal([]byte(`{"pagination":{"totalResults":1,"returnedResults":1,"perPage":20,"totalPages":1,"nextCursor":"abc","nextPage":null},"data":[{"id":"t1","name":"T","lastUpdated":"x","dataVariables":[]}]}`), &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items()) != 1 || page.NextCursor() != "abc" || page.Pagination.GetNextPage() != "" {
		t.Errorf("page: %d items, next %q, nextPage %q", len(page.Items()), page.NextCursor(), page.Pagination.GetNextPage())
	}
}

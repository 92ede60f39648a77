package loopstest_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops/loopstest"
)

func TestEventRecordedAndUpdatesContact(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)

	body := map[string]any{
		"email": "ev@example.com", "eventName": "planUpgraded",
		"eventProperties": map[string]any{"plan": "pro", "seats": 5},
		"mailingLists":    map[string]bool{listUpdates: true},
		"firstName":       "Eve", "company": "Acme",
	}
	res := c.do("POST", "/v1/events/send", body, "Idempotency-Key", "key-1").want(t, http.StatusOK)
	if string(res.body) != `{"success":true}` {
		t.Errorf("body %s", res.body)
	}

	events := srv.Events()
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	e := events[0]
	if e.Name != "planUpgraded" || e.Email != "ev@example.com" || e.UserID != "" || e.IdempotencyKey != "key-1" ||
		e.Properties["plan"] != "pro" || e.Properties["seats"] != float64(5) ||
		e.ContactProperties["company"] != "Acme" || e.ContactProperties["firstName"] != "Eve" ||
		!e.MailingLists[listUpdates] || len(e.Raw) == 0 {
		t.Errorf("event %+v", e)
	}

	// Loops creates the unknown contact and applies the contact properties.
	ct, ok := srv.Contact("ev@example.com")
	if !ok || ct.ID != e.ContactID || *ct.FirstName != "Eve" || ct.AdditionalProperties["company"] != "Acme" ||
		!ct.MailingLists[listUpdates] {
		t.Errorf("contact %+v", ct)
	}
	if _, ok := ct.AdditionalProperties["plan"]; ok {
		t.Error("an event property leaked into the contact")
	}
}

func TestEventRefusals(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	c.do("POST", "/v1/events/send", map[string]any{"userId": "ghost", "eventName": "x"}).want(t, http.StatusBadRequest)
	c.do("POST", "/v1/events/send", map[string]any{"email": "a@example.com", "eventName": "a:b"}).want(t, http.StatusBadRequest)
	c.do("POST", "/v1/events/send", map[string]any{"email": "a@example.com", "eventName": "x", "firstName": 5}).want(t, http.StatusBadRequest)
	if len(srv.Events()) != 0 || len(srv.Contacts()) != 0 {
		t.Error("a refused event changed state")
	}
}

func TestIdempotencyKeyReuseIs409(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	body := map[string]any{"email": "a@example.com", "eventName": "signup"}

	c.do("POST", "/v1/events/send", body, "Idempotency-Key", "once").want(t, http.StatusOK)
	res := c.do("POST", "/v1/events/send", body, "Idempotency-Key", "once").want(t, http.StatusConflict)
	if string(res.body) != `{"success":false,"message":"Idempotency key has already been used."}` {
		t.Errorf("409 body %s", res.body)
	}
	if n := len(srv.Events()); n != 1 {
		t.Errorf("%d events", n)
	}
	if n := srv.IdempotencyCount("once"); n != 1 {
		t.Errorf("IdempotencyCount = %d", n)
	}
	if n := srv.IdempotencyCount("never"); n != 0 {
		t.Errorf("IdempotencyCount of an unused key = %d", n)
	}
}

func TestIdempotencyKeyExpiresAfter24Hours(t *testing.T) {
	clock := newFakeClock()
	srv := loopstest.NewServer(t, loopstest.WithClock(clock.Now))
	c := newClient(t, srv)
	body := map[string]any{"email": "a@example.com", "eventName": "signup"}
	c.do("POST", "/v1/events/send", body, "Idempotency-Key", "k").want(t, http.StatusOK)
	clock.Advance(23 * time.Hour)
	c.do("POST", "/v1/events/send", body, "Idempotency-Key", "k").want(t, http.StatusConflict)
	clock.Advance(time.Hour)
	c.do("POST", "/v1/events/send", body, "Idempotency-Key", "k").want(t, http.StatusOK)
	if n := srv.IdempotencyCount("k"); n != 2 {
		t.Errorf("IdempotencyCount = %d", n)
	}
}

// TestConcurrentSendsWithOneKey races many identical sends; exactly one may
// be processed.
func TestConcurrentSendsWithOneKey(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	const n = 20
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := map[string]any{"email": fmt.Sprintf("user%d@example.com", i%3), "eventName": "race"}
			res, err := c.try(t.Context(), "POST", "/v1/events/send", body, "Idempotency-Key", "shared")
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- res.status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != n-1 {
		t.Errorf("statuses %v", count)
	}
	if srv.IdempotencyCount("shared") != 1 || len(srv.Events()) != 1 {
		t.Errorf("processed %d times, %d events", srv.IdempotencyCount("shared"), len(srv.Events()))
	}
}

func TestTooLongIdempotencyKeyIsAViolation(t *testing.T) {
	rec := &recordingTB{TB: t}
	srv := loopstest.NewServer(rec)
	c := newClient(t, srv)
	long := fmt.Sprintf("%0101d", 0)
	c.do("POST", "/v1/events/send", map[string]any{"email": "a@example.com", "eventName": "x"}, "Idempotency-Key", long).
		want(t, http.StatusBadRequest)
	if got := rec.reported(); len(got) != 1 || !contains(got[0], "sendEvent", "Idempotency-Key") {
		t.Errorf("reported %q", got)
	}
}

package webhooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
	"github.com/loopsdev/loops-go/loops/webhooks"
)

// endpoint is a webhook endpoint under test: a Handler on a loopback
// server, keeping the events it was given.
type endpoint struct {
	*httptest.Server
	mu     sync.Mutex
	events []webhooks.Event
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{}
	h, err := webhooks.NewHandler(loopstest.DefaultWebhookSecret, func(_ context.Context, ev webhooks.Event) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.events = append(e.events, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Server = httptest.NewServer(h)
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) received() []webhooks.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.events)
}

func TestLoopstestDeliversEveryEvent(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	e := newEndpoint(t)
	samples := contractSamples(t)
	for name, body := range samples {
		ev, err := webhooks.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		statuses, err := srv.DeliverWebhook(ctx, e.URL, ev)
		if err != nil || !slices.Equal(statuses, []int{http.StatusNoContent}) {
			t.Errorf("%s: statuses %v, %v", name, statuses, err)
		}
	}
	got := e.received()
	if len(got) != len(samples) {
		t.Fatalf("the handler got %d events, want %d", len(got), len(samples))
	}
	for _, ev := range got {
		if want, _ := webhooks.Parse(samples[ev.Name()]); !reflect.DeepEqual(ev, want) {
			t.Errorf("%s arrived as %+v, was %+v", ev.Name(), ev, want)
		}
	}
}

func TestLoopstestReplayAndWrongSignature(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	e := newEndpoint(t)
	// A sparse event is completed as Loops would send it: the fake checks
	// the payload against the contract.
	ev := &webhooks.EmailOpened{}
	ev.ContactIdentity.Email, ev.SourceType = "ada@example.com", "campaign"
	statuses, err := srv.DeliverWebhook(ctx, e.URL, ev, loopstest.WebhookReplayed())
	if err != nil || !slices.Equal(statuses, []int{http.StatusNoContent, http.StatusOK}) {
		t.Errorf("replayed: statuses %v, %v; want 204 then 200", statuses, err)
	}
	statuses, err = srv.DeliverWebhook(ctx, e.URL, ev, loopstest.WebhookWrongSignature())
	if err != nil || !slices.Equal(statuses, []int{http.StatusUnauthorized}) {
		t.Errorf("wrong signature: statuses %v, %v; want 401", statuses, err)
	}
	got := e.received()
	if len(got) != 1 {
		t.Fatalf("the handler got %d events, want 1", len(got))
	}
	opened := got[0].(*webhooks.EmailOpened)
	if opened.ContactIdentity.Email != "ada@example.com" || opened.EventTime == 0 || opened.WebhookSchemaVersion != "1.0.0" || opened.EventName != "email.opened" {
		t.Errorf("delivered %+v", opened)
	}
	// An event this version does not know goes as it is.
	statuses, err = srv.DeliverWebhook(ctx, e.URL, &webhooks.Unknown{Raw: []byte(`{"eventName":"contact.merged","eventTime":1}`)})
	if err != nil || statuses[0] != http.StatusNoContent || e.received()[1].Name() != "contact.merged" {
		t.Errorf("unknown event: %v, %v", statuses, err)
	}
}

func TestLoopstestEmitsContactCreated(t *testing.T) {
	ctx := context.Background()
	e := newEndpoint(t)
	srv := loopstest.NewServer(t, loopstest.WithWebhookEndpoint(e.URL))
	c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	req := &loops.ContactCreateRequest{Email: "ada@example.com", FirstName: nullable.NewNullableWithValue("Ada"),
		AdditionalProperties: map[string]loops.PropertyValue{"plan": "pro"}}
	if _, err := c.Contacts.Create(ctx, req); err != nil {
		t.Fatal(err)
	}
	got := e.received() // delivered before the fake answered
	if len(got) != 1 {
		t.Fatalf("got %d events, want 1", len(got))
	}
	ev, ok := got[0].(*webhooks.ContactCreated)
	if !ok || ev.Contact.Email != "ada@example.com" || ev.Contact.GetFirstName() != "Ada" || ev.Contact.AdditionalProperties["plan"] != "pro" ||
		ev.ContactIdentity.ID == "" || ev.Contact.ID != ev.ContactIdentity.ID || !ev.Contact.Subscribed {
		t.Errorf("got %T %+v", got[0], got[0])
	}
	// Updating the contact creates nothing; an upsert of a new one does.
	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new("ada@example.com"), FirstName: nullable.NewNullableWithValue("A.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new("bob@example.com")}); err != nil {
		t.Fatal(err)
	}
	if got := e.received(); len(got) != 2 || got[1].(*webhooks.ContactCreated).Contact.Email != "bob@example.com" {
		t.Errorf("after the updates: %d events", len(got))
	}
}

func TestLoopstestChecksDeliveriesAgainstTheContract(t *testing.T) {
	srv := loopstest.New()
	defer srv.Close()
	e := newEndpoint(t)
	ev := &webhooks.ContactCreated{}
	ev.Contact.AdditionalProperties = map[string]any{"nested": map[string]any{"a": 1}}
	if _, err := srv.DeliverWebhook(context.Background(), e.URL, ev); err != nil {
		t.Fatal(err)
	}
	v := srv.Violations()
	if len(v) != 1 || !strings.Contains(v[0], "webhook contact.created") || !strings.Contains(v[0], "/contact/nested") {
		t.Errorf("violations %q, want one about /contact/nested", v)
	}
}

package webhooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/loopsdev/loops-go/loops/webhooks"
	"github.com/loopsdev/loops-go/openapi"
)

// eventTypes is every event of loops-api.md §8, with the type Parse gives.
var eventTypes = map[string]webhooks.Event{
	"contact.unsubscribed":             &webhooks.ContactUnsubscribed{},
	"contact.created":                  &webhooks.ContactCreated{},
	"contact.deleted":                  &webhooks.ContactDeleted{},
	"contact.mailingList.subscribed":   &webhooks.MailingListSubscribed{},
	"contact.mailingList.unsubscribed": &webhooks.MailingListUnsubscribed{},
	"transactional.email.sent":         &webhooks.TransactionalEmailSent{},
	"campaign.email.sent":              &webhooks.CampaignEmailSent{},
	"loop.email.sent":                  &webhooks.LoopEmailSent{},
	"email.delivered":                  &webhooks.EmailDelivered{},
	"email.softBounced":                &webhooks.EmailSoftBounced{},
	"email.hardBounced":                &webhooks.EmailHardBounced{},
	"email.clicked":                    &webhooks.EmailClicked{},
	"email.unsubscribed":               &webhooks.EmailUnsubscribed{},
	"email.resubscribed":               &webhooks.EmailResubscribed{},
	"email.opened":                     &webhooks.EmailOpened{},
	"email.spamReported":               &webhooks.EmailSpamReported{},
	"testing.testEvent":                &webhooks.TestEvent{},
}

// contractSamples returns, by event name, the example of each webhook
// payload schema in the contract, checked against its schema. The contract
// is parsed once per test binary; each call returns a new map of new
// slices, which the caller may change.
func contractSamples(t testing.TB) map[string][]byte {
	t.Helper()
	samples, err := sharedSamples()
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte, len(samples))
	for name, body := range samples {
		out[name] = bytes.Clone(body)
	}
	return out
}

var sharedSamples = sync.OnceValues(func() (map[string][]byte, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Spec())
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for name, ref := range doc.Components.Schemas {
		p := ref.Value.Properties["eventName"]
		if !strings.HasPrefix(name, "Webhook") || p == nil || len(p.Value.Enum) != 1 {
			continue
		}
		if err := ref.Value.VisitJSON(ref.Value.Example); err != nil {
			return nil, fmt.Errorf("the example of %s breaks its schema: %w", name, err)
		}
		body, err := json.Marshal(ref.Value.Example)
		if err != nil {
			return nil, err
		}
		out[p.Value.Enum[0].(string)] = body
	}
	return out, nil
})

func TestParseEverySpecSample(t *testing.T) {
	samples := contractSamples(t)
	if len(samples) != 17 || len(eventTypes) != 17 {
		t.Fatalf("%d payloads in the contract and %d in the test, want 17", len(samples), len(eventTypes))
	}
	for name, body := range samples {
		ev, err := webhooks.Parse(body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if reflect.TypeOf(ev) != reflect.TypeOf(eventTypes[name]) || ev.Name() != name {
			t.Errorf("%s: got a %T named %q", name, ev, ev.Name())
		}
		if !ev.Time().Equal(time.Unix(1767225600, 0)) || ev.Time().Location() != time.UTC {
			t.Errorf("%s: Time() = %v", name, ev.Time())
		}
		ref, err := decodeLikeEncodingJSON(t, ev, body)
		if err != nil || !reflect.DeepEqual(ev, ref) {
			t.Errorf("%s: Parse gives\n%+v\nencoding/json gives (%v)\n%+v", name, ev, err, ref)
		}
		// With eventName last, Parse takes its slower path to the same result.
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		delete(m, "eventName")
		moved, _ := json.Marshal(m)
		moved = append(moved[:len(moved)-1], []byte(`,"eventName":"`+name+`"}`)...)
		if again, err := webhooks.Parse(moved); err != nil || !reflect.DeepEqual(again, ev) {
			t.Errorf("%s with eventName last: %+v, %v", name, again, err)
		}
	}
}

func TestParseContactCreated(t *testing.T) {
	ev, err := webhooks.Parse(typicalContactCreated)
	if err != nil {
		t.Fatal(err)
	}
	cc, ok := ev.(*webhooks.ContactCreated)
	if !ok {
		t.Fatalf("got %T", ev)
	}
	c := cc.Contact
	if c.Email != "alex@company.com" || c.GetFirstName() != "Alex" || c.GetNotes() != "" || c.Notes != nil ||
		c.GetOptInStatus() != webhooks.ContactOptInStatusAccepted || !c.MailingLists["cm06f5v0e45nf0ml5754o9cix"] ||
		cc.ContactIdentity.GetUserID() != "usr_7f8e9d0c1b2a" || cc.WebhookSchemaVersion != "1.0.0" {
		t.Errorf("decoded %+v", cc)
	}
	if want := map[string]any{"planName": "pro", "seats": 5.0}; !reflect.DeepEqual(c.AdditionalProperties, want) {
		t.Errorf("custom properties %v, want %v", c.AdditionalProperties, want)
	}
}

func TestParseIsLenient(t *testing.T) {
	// New fields anywhere are ignored, custom properties of every kind kept.
	body := []byte(`{"eventName":"contact.created","eventTime":1767225600,"webhookSchemaVersion":"2.0.0","region":"eu",` +
		`"contactIdentity":{"id":"c1","email":"a@b.co","userId":null,"extra":[1,{"x":null}]},` +
		`"contact":{"id":"c1","email":"a@b.co","firstName":null,"lastName":null,"source":"form","subscribed":false,` +
		`"userGroup":"","userId":null,"mailingLists":{},"optInStatus":null,` +
		`"plan":"pro","seats":3,"trial":true,"score":null,"tags":["a","b"],"meta":{"k":"v"},"caf\u00e9":"\u00e9t\u00e9"}}`)
	ev, err := webhooks.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	c := ev.(*webhooks.ContactCreated).Contact
	want := map[string]any{"plan": "pro", "seats": 3.0, "trial": true, "score": nil, "tags": []any{"a", "b"}, "meta": map[string]any{"k": "v"}, "café": "été"}
	if !reflect.DeepEqual(c.AdditionalProperties, want) {
		t.Errorf("custom properties %#v, want %#v", c.AdditionalProperties, want)
	}
	if c.FirstName != nil || c.OptInStatus != nil || c.MailingLists == nil || c.Subscribed {
		t.Errorf("standard fields %+v", c)
	}
	ref, err := decodeLikeEncodingJSON(t, ev, body)
	if err != nil || !reflect.DeepEqual(ev, ref) {
		t.Errorf("Parse gives %+v, encoding/json %+v (%v)", ev, ref, err)
	}
	// Other kinds of source still decode.
	ev, err = webhooks.Parse([]byte(`{"eventName":"email.opened","eventTime":1,"sourceType":"journey","loopId":null}`))
	if err != nil || ev.(*webhooks.EmailOpened).SourceType != "journey" || ev.(*webhooks.EmailOpened).LoopID != nil {
		t.Errorf("email.opened: %+v, %v", ev, err)
	}
}

func TestParseUnknownEvent(t *testing.T) {
	body := []byte(`{"webhookSchemaVersion":"1.1.0","eventName":"contact.merged","eventTime":1767225600,"into":{"id":"c2"}}`)
	ev, err := webhooks.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := ev.(*webhooks.Unknown)
	if !ok || u.Name() != "contact.merged" || u.EventTime != 1767225600 || u.WebhookSchemaVersion != "1.1.0" || string(u.Raw) != string(body) {
		t.Fatalf("got %T %+v", ev, ev)
	}
	if !u.Time().Equal(time.Unix(1767225600, 0)) {
		t.Errorf("Time() = %v", u.Time())
	}
	body[3] = 'X' // Raw is a copy
	if string(u.Raw) == string(body) {
		t.Error("Raw shares the caller's buffer")
	}
	if out, err := json.Marshal(u); err != nil || string(out) != string(u.Raw) {
		t.Errorf("Marshal = %s, %v", out, err)
	}
	// An unknown event is lenient about the common fields too.
	ev, err = webhooks.Parse([]byte(`{"eventName":"x.y","eventTime":"soon","webhookSchemaVersion":2}`))
	if err != nil || ev.Time().Unix() != 0 || ev.(*webhooks.Unknown).WebhookSchemaVersion != "" {
		t.Errorf("lenient unknown: %+v, %v", ev, err)
	}
}

func TestParseRefusals(t *testing.T) {
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	// Bodies that are not JSON at all.
	syntax := []string{
		``, ` `, `not json`, `{`, `{"eventName":"contact.created"} {}`, `{"eventName":"contact.created",}`,
		`{"eventName":"x.y","a":[1,]}`, "{\"eventName\":\"contact.created\",\"x\":\"\x01\"}",
		`{"eventName":"contact.created","x":"\q"}`, `{"eventName":"contact.created","x":"\u12"}`,
		`{"eventName":"contact.created","x":01}`, `{"eventName":"contact.created","x":-}`,
		`{"eventName":"contact.created","x":tru}`, `{"eventName":"contact.created","x":"unterminated}`,
		`{"eventName":"contact.created" "x":1}`, `{"eventName":"contact.created",5:1}`,
		`{"eventName":"contact.created","x":1.}`, `{"eventName":"contact.created","x":1e}`,
	}
	// JSON, but no payload: no object, no string eventName, wrong types.
	shape := []string{
		`null`, `[]`, `"contact.created"`, `42`, `{}`, `{"eventName":""}`, `{"eventName":null}`,
		`{"eventName":5}`, `{"eventTime":1}`,
		`{"eventName":"contact.created","eventTime":"1767225600"}`,
		`{"eventName":"contact.created","eventTime":1767225600.5}`,
		`{"eventName":"contact.created","eventTime":1e3}`,
		`{"eventName":"contact.created","eventTime":99999999999999999999}`,
		`{"eventName":"contact.created","contact":{"subscribed":"yes"}}`,
		`{"eventName":"contact.created","contact":{"mailingLists":{"a":1}}}`,
		`{"eventName":"contact.created","contact":{"seats":1e999}}`,
		`{"eventName":"contact.created","contact":[]}`,
		`{"eventName":"campaign.email.sent","mailingLists":{}}`,
		`{"eventName":"contact.created","contactIdentity":{"userId":5}}`,
		`{"eventName":"contact.created","eventName":"email.opened"}`,
		`{"eventTime":1,"eventName":"contact.created","eventName":"email.opened"}`,
		`{"eventName":"contact.created","x":` + deep + `}`,
	}
	for i, body := range slices.Concat(syntax, shape) {
		ev, err := webhooks.Parse([]byte(body))
		if !errors.Is(err, webhooks.ErrInvalidPayload) || ev != nil {
			t.Errorf("Parse(%.60q) = %v, %v; want ErrInvalidPayload", body, ev, err)
		}
		if valid := json.Valid([]byte(body)); valid != (i >= len(syntax)) && body != shape[len(shape)-1] {
			t.Errorf("json.Valid(%.60q) = %v: the case is in the wrong list", body, valid)
		}
	}
}

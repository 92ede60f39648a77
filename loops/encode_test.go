package loops

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The plain twins must put exactly what the generated marshallers put on
// the wire. If a regeneration changes the models (a field that needs its
// own marshalling, say), this test shows the twins have drifted.
func TestPlainTwinsEncodeLikeTheGeneratedTypes(t *testing.T) {
	lists := map[string]bool{"list-a": true, "list-b": false}
	type twinCase struct {
		name  string
		plain any
		full  json.Marshaler
	}
	var cases []twinCase
	for _, r := range []*ContactCreateRequest{
		{Email: "a@example.com"},
		{Email: "a@example.com", FirstName: Value("Ada"), LastName: Null[string](), Source: Value(""), Subscribed: Bool(false), UserGroup: Null[string](), UserID: String("u1"), MailingLists: lists},
	} {
		cases = append(cases, twinCase{"create", (*plainContactCreateRequest)(r), r})
	}
	for _, r := range []*ContactUpdateRequest{
		{UserID: String("u1")},
		{Email: new("a@example.com"), FirstName: Null[string](), LastName: Value("L"), Subscribed: Bool(true), MailingLists: lists},
	} {
		cases = append(cases, twinCase{"update", (*plainContactUpdateRequest)(r), r})
	}
	for _, r := range []*EventRequest{
		{EventName: "signup", Email: new("a@example.com")},
		{EventName: "x", UserID: String("u"), EventProperties: map[string]any{"n": 1.5, "s": "v", "b": true}, MailingLists: lists},
	} {
		cases = append(cases, twinCase{"event", (*plainEventRequest)(r), r})
	}
	for _, tc := range cases {
		fast, err := json.Marshal(tc.plain)
		if err != nil {
			t.Fatal(err)
		}
		slow, err := tc.full.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var a, b map[string]any
		if err := json.Unmarshal(fast, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(slow, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: plain twin sends %s\ngenerated marshaller sends %s", tc.name, fast, slow)
		}
	}
}

func TestEncodeBodyUsesTheMergingMarshallerForExtraKeys(t *testing.T) {
	r := &ContactUpdateRequest{Email: new("a@example.com"), AdditionalProperties: map[string]any{"planName": "pro", "gone": nil}}
	body, err := encodeBody("Contacts.Update", r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"email": "a@example.com", "planName": "pro", "gone": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body = %s, want the custom properties at the top level", body)
	}
}

// BenchmarkEncodeEventRequest shows why the plain twins exist: the
// generated marshaller against the path Events.Send takes without extra
// keys.
func BenchmarkEncodeEventRequest(b *testing.B) {
	req := &EventRequest{Email: new("ada@example.com"), EventName: "planUpgraded", EventProperties: map[string]any{"plan": "team", "seats": 5}}
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := req.MarshalJSON(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plain-twin", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeBody("Events.Send", req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package webhooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops/webhooks"
)

// FuzzParse checks that Parse never panics, accepts only JSON, and
// decodes exactly as encoding/json does into the same types (on bodies
// where the two are meant to agree: no repeated keys, and no key that
// matches a field only without regard to case, which encoding/json
// accepts and Parse does not).
func FuzzParse(f *testing.F) {
	for _, body := range contractSamples(f) {
		f.Add(body)
	}
	f.Add(typicalContactCreated)
	f.Add([]byte(`{"eventTime":1,"eventName":"contact.created","contact":{"a":[{"b":null}],"c\u00e9":"\ud83d\ude00"}}`))
	f.Add([]byte(`{"eventName":"x.y","eventTime":-0,"webhookSchemaVersion":"1"}`))
	f.Add([]byte(`{"eventName":"email.clicked","email":{"subject":"\u00e9\n\"q\""},"campaignId":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := webhooks.Parse(body)
		if err != nil {
			if !errors.Is(err, webhooks.ErrInvalidPayload) {
				t.Fatalf("error %v does not match ErrInvalidPayload", err)
			}
			if ev != nil {
				t.Fatal("an event with an error")
			}
		} else if !json.Valid(body) {
			t.Fatalf("Parse accepted invalid JSON %q", body)
		}
		if !comparable(body) {
			return
		}
		var head struct{ EventName any }
		if json.Unmarshal(body, &head) != nil {
			return
		}
		name, _ := head.EventName.(string)
		want, known := eventTypes[name]
		switch {
		case !known && err == nil:
			if u, ok := ev.(*webhooks.Unknown); !ok || u.EventName != name || !bytes.Equal(u.Raw, body) {
				t.Fatalf("Parse(%q) = %+v, want Unknown %q", body, ev, name)
			}
		case known:
			ref, refErr := decodeLikeEncodingJSON(t, want, body)
			if (err == nil) != (refErr == nil) {
				t.Fatalf("Parse(%q): %v; encoding/json: %v", body, err, refErr)
			}
			if err == nil && !reflect.DeepEqual(ev, ref) {
				t.Fatalf("Parse(%q) =\n%+v\nencoding/json:\n%+v", body, ev, ref)
			}
		}
	})
}

// fieldNames holds every JSON field name of the payload types.
var fieldNames = func() []string {
	var names []string
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" && !slices.Contains(names, name) {
				names = append(names, name)
			}
			walk(f.Type)
		}
	}
	for _, ev := range eventTypes {
		walk(reflect.TypeOf(ev))
	}
	return names
}()

// comparable reports whether body is valid JSON whose objects repeat no
// key and whose keys are field names exactly or not at all.
func comparable(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		keys   map[string]bool
		atKey  bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return len(stack) == 0
		}
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.atKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			key := tok.(string)
			if top.keys[key] {
				return false
			}
			top.keys[key] = true
			for _, name := range fieldNames {
				if key != name && strings.EqualFold(key, name) {
					return false
				}
			}
			top.atKey = false
			continue
		}
		if top != nil && top.object {
			top.atKey = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, atKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].atKey = true
			}
		}
	}
}

// FuzzSignatureHeader feeds arbitrary webhook-signature and
// webhook-timestamp values to Verify, next to the reference library:
// Verify never panics, never accepts what the reference refuses, and
// always accepts a header with a correct "v1," entry. "SIG" in the header
// stands for the correct signature.
func FuzzSignatureHeader(f *testing.F) {
	body := typicalContactCreated
	good := referenceHeaders(f, testSecret, "msg_1", signedAt, body)
	sig := strings.TrimPrefix(good.Get(webhooks.HeaderSignature), "v1,")
	for _, seed := range []string{"v1,SIG", "v1a,SIG", "v2,SIG v1,SIG", ",SIG", "SIG", "v1,SIG,x", "v1, SIG", "v1,SIGx", " v1,SIG ", "v1,,SIG", "v1"} {
		f.Add(seed, "1767225600")
	}
	f.Add("v1,SIG", "+1767225600")
	f.Add("v1,SIG", "01767225600")
	f.Add("v1,SIG", " 1767225600")
	v := newVerifier(f, testSecret, webhooks.WithTolerance(0))
	ref := reference(f, testSecret)
	f.Fuzz(func(t *testing.T, header, ts string) {
		header = strings.ReplaceAll(header, "SIG", sig)
		h := http.Header{}
		h.Set(webhooks.HeaderID, "msg_1")
		h.Set(webhooks.HeaderTimestamp, ts)
		h.Set(webhooks.HeaderSignature, header)
		err := v.Verify(h, body)
		refErr := ref.VerifyIgnoringTimestamp(body, h)
		if err == nil && refErr != nil {
			t.Fatalf("Verify accepts %q at %q, which the reference refuses: %v", header, ts, refErr)
		}
		if err == nil && strings.Trim(ts, "0123456789") != "" {
			t.Fatalf("Verify accepts the timestamp %q", ts)
		}
		if err != nil && refErr == nil && strings.Trim(ts, "0123456789") == "" && ts != "" &&
			slices.Contains(strings.Split(header, " "), "v1,"+sig) {
			t.Fatalf("Verify refuses %q at %q: %v", header, ts, err)
		}
		for _, want := range []error{webhooks.ErrMissingHeader, webhooks.ErrInvalidTimestamp, webhooks.ErrBadSignature, webhooks.ErrExpired} {
			if errors.Is(err, want) {
				return
			}
		}
		if err != nil {
			t.Fatalf("Verify = %v, an error of no documented kind", err)
		}
	})
}

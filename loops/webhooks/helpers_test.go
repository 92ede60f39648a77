package webhooks_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/loopsdev/loops-go/loops/webhooks"
)

// testSecret is a secret in the form the Loops settings show.
const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// ignore is an event function that accepts everything.
func ignore(context.Context, webhooks.Event) error { return nil }

// decodeLikeEncodingJSON decodes body into a new value of ev's type with
// encoding/json (and the generated UnmarshalJSON of the models), which
// is what Parse must agree with.
func decodeLikeEncodingJSON(t testing.TB, ev webhooks.Event, body []byte) (webhooks.Event, error) {
	t.Helper()
	if _, ok := ev.(*webhooks.Unknown); ok {
		return ev, nil
	}
	ref := reflect.New(reflect.TypeOf(ev).Elem()).Interface().(webhooks.Event)
	return ref, json.Unmarshal(body, ref)
}

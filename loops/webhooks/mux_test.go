package webhooks_test

import (
	"context"
	"errors"
	"testing"

	"github.com/loopsdev/loops-go/loops/webhooks"
)

func TestMux(t *testing.T) {
	ctx := context.Background()
	var mux webhooks.Mux
	if err := mux.Handle(ctx, &webhooks.EmailOpened{}); err != nil {
		t.Errorf("the zero Mux: %v", err)
	}
	var got []string
	mux.OnContactCreated(func(_ context.Context, ev *webhooks.ContactCreated) error {
		got = append(got, "first "+ev.Contact.Email)
		return nil
	})
	mux.OnContactCreated(func(_ context.Context, ev *webhooks.ContactCreated) error {
		got = append(got, "created "+ev.Contact.Email)
		return nil
	})
	failure := errors.New("no")
	mux.OnEmailHardBounced(func(context.Context, *webhooks.EmailHardBounced) error { return failure })
	if err := mux.Handle(ctx, &webhooks.EmailOpened{}); err != nil {
		t.Errorf("an event with no function and no OnOther: %v", err)
	}
	mux.OnOther(func(_ context.Context, ev webhooks.Event) error {
		got = append(got, "other "+ev.Name())
		return nil
	})
	created := &webhooks.ContactCreated{}
	created.Contact.Email = "ada@example.com"
	for _, ev := range []webhooks.Event{created, &webhooks.EmailOpened{}, &webhooks.Unknown{EventName: "x.y"}, &webhooks.Unknown{EventName: "contact.created"}} {
		if err := mux.Handle(ctx, ev); err != nil {
			t.Errorf("%s: %v", ev.Name(), err)
		}
	}
	if err := mux.Handle(ctx, &webhooks.EmailHardBounced{}); !errors.Is(err, failure) {
		t.Errorf("the function's error is lost: %v", err)
	}
	want := []string{"created ada@example.com", "other email.opened", "other x.y", "other contact.created"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("call %d: %q, want %q", i, got[i], want[i])
		}
	}
}

package loops_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// Two contacts, one per identifier a send names: Loops (and the fake)
// answer 400 "Multiple contacts found for the given criteria", which
// matches ErrMultipleContacts and is not retried.
func TestMultipleContacts(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	for _, ct := range []*loops.ContactCreateRequest{
		{Email: "ada@example.com", UserID: new("u-1")},
		{Email: "ada.lovelace@example.com", UserID: new("u-2")},
	} {
		if _, err := c.Contacts.Create(ctx, ct); err != nil {
			t.Fatal(err)
		}
	}
	err := c.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), UserID: new("u-2"), EventName: "signup"})
	var apiErr *loops.APIError
	if !errors.Is(err, loops.ErrMultipleContacts) || !errors.Is(err, loops.ErrBadRequest) || !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want ErrMultipleContacts (a 400)", err)
	}
	if apiErr.Attempts != 1 || apiErr.Message != "Multiple contacts found for the given criteria" {
		t.Errorf("attempts %d, message %q", apiErr.Attempts, apiErr.Message)
	}
	_, err = c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new("ada@example.com"), UserID: new("u-2")})
	if !errors.Is(err, loops.ErrMultipleContacts) {
		t.Errorf("update: err = %v, want ErrMultipleContacts", err)
	}
	// Another 400 is not that.
	err = c.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup", MailingLists: map[string]bool{"nope": true}})
	if !errors.Is(err, loops.ErrBadRequest) || errors.Is(err, loops.ErrMultipleContacts) {
		t.Errorf("an unknown list: err = %v, want a 400 that is not ErrMultipleContacts", err)
	}
}

// ErrIdempotencyKeyReused is ErrAlreadyProcessed's first name: each
// matches the other, and a reused key matches both.
func TestAlreadyProcessed(t *testing.T) {
	if !errors.Is(loops.ErrIdempotencyKeyReused, loops.ErrAlreadyProcessed) {
		t.Error("ErrIdempotencyKeyReused does not match ErrAlreadyProcessed")
	}
	srv := loopstest.NewServer(t)
	c := srv.Client(t)
	send := func() error {
		return c.Events.Send(t.Context(), &loops.EventRequest{Email: new("ada@example.com"), EventName: "shipped"}, loops.WithIdempotencyKey("order-1042-shipped"))
	}
	if err := send(); err != nil {
		t.Fatal(err)
	}
	err := send()
	if !errors.Is(err, loops.ErrAlreadyProcessed) || !errors.Is(err, loops.ErrIdempotencyKeyReused) || !errors.Is(err, loops.ErrConflict) {
		t.Errorf("err = %v, want ErrAlreadyProcessed, ErrIdempotencyKeyReused and ErrConflict", err)
	}
	// A 409 without the caller's key (a created contact that exists) is
	// not "already processed".
	for range 2 {
		_, err = c.Contacts.Create(t.Context(), &loops.ContactCreateRequest{Email: "ada@example.com"})
	}
	if !errors.Is(err, loops.ErrConflict) || errors.Is(err, loops.ErrAlreadyProcessed) {
		t.Errorf("a duplicate contact: err = %v, want ErrConflict only", err)
	}
}

// A job that may run twice (a queue redelivers it after a crash) sends
// under a key derived from the job, and counts "already processed" as
// done: the first run's event went out, and the second sends nothing.
func ExampleErrAlreadyProcessed() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}

	shipOrder := func(ctx context.Context, orderID string) error {
		err := client.Events.Send(ctx, &loops.EventRequest{
			Email:     new("ada@example.com"),
			EventName: "orderShipped",
		}, loops.WithIdempotencyKey("order-shipped-"+orderID))
		if errors.Is(err, loops.ErrAlreadyProcessed) {
			return nil // an earlier run sent it
		}
		return err
	}

	ctx := context.Background()
	fmt.Println("first run:", shipOrder(ctx, "1042"))
	fmt.Println("redelivered:", shipOrder(ctx, "1042"))
	fmt.Println("events Loops processed:", len(srv.Events()))
	// Output:
	// first run: <nil>
	// redelivered: <nil>
	// events Loops processed: 1
}

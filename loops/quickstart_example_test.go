package loops_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// Example_quickStart is the README's quick start, line for line, except
// that the client talks to the in-memory fake instead of reading
// LOOPS_API_KEY.
func Example_quickStart() {
	srv := loopstest.New(loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{
		ID: "cll42l54f20i1la0lfooe3z12", Name: "Receipt", DataVariables: []string{"name"},
	}))
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL())) // README: loops.NewClient("")
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	orderID := "1042"

	// Create a contact. Required fields are values; optional ones are
	// pointers (new(...) makes one); fields that can be cleared are
	// loops.Nullable. Custom properties are extra top-level keys.
	_, err = client.Contacts.Create(ctx, &loops.ContactCreateRequest{
		Email:                "ada@example.com",
		FirstName:            loops.Value("Ada"),
		LastName:             loops.Value("Lovelace"),
		UserID:               new("user-1842"),
		AdditionalProperties: map[string]any{"planName": "pro"},
	})
	if err != nil {
		log.Fatal(err)
	}

	// Update (an upsert): nil fields are not sent, loops.Null clears one,
	// and Subscribed is only sent when you set it.
	_, err = client.Contacts.Update(ctx, &loops.ContactUpdateRequest{
		Email:    new("ada@example.com"),
		LastName: loops.Null[string](),
	})
	if err != nil {
		log.Fatal(err)
	}

	// Read it back. Getters are nil-safe: an absent field reads as zero.
	contact, err := client.Contacts.Find(ctx, loops.ByEmail("ada@example.com"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %q, plan %v\n", contact.GetFirstName(), contact.GetLastName(), contact.AdditionalProperties["planName"])

	// Send an event. Your own idempotency key makes the send safe to
	// repeat across processes; without one the client makes one per call.
	err = client.Events.Send(ctx, &loops.EventRequest{
		Email:           new("ada@example.com"),
		EventName:       "planUpgraded",
		EventProperties: map[string]any{"plan": "team"},
	}, loops.WithIdempotencyKey("upgrade-"+orderID))
	if err != nil {
		log.Fatal(err)
	}

	// Send a transactional email.
	err = client.Transactional.Send(ctx, &loops.TransactionalRequest{
		TransactionalID: "cll42l54f20i1la0lfooe3z12",
		Email:           "ada@example.com",
		DataVariables:   map[string]any{"name": "Ada"},
	})
	if err != nil {
		log.Fatal(err)
	}

	// Errors: match on meaning, not message text.
	_, err = client.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada@example.com"})
	var apiErr *loops.APIError
	switch {
	case errors.Is(err, loops.ErrConflict):
		fmt.Println("the contact exists already")
	case errors.As(err, &apiErr):
		fmt.Printf("Loops said %d: %s\n", apiErr.StatusCode, apiErr.Message)
	case errors.Is(err, loops.ErrInvalidInput):
		fmt.Println("caught locally; nothing was sent")
	}

	// Pagination is a range loop; breaking out stops fetching.
	for email, err := range client.Transactional.ListPublishedIter(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(email.ID, email.Name)
	}
	// Output:
	// Ada "", plan pro
	// the contact exists already
	// cll42l54f20i1la0lfooe3z12 Receipt
}

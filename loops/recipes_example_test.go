package loops_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// The README's recipes. Each runs against the in-memory fake; the lines the
// README shows are copied from these functions, and TestReadmeCodeIsCompiled
// (readme_test.go at the module root) fails when the two drift apart.

// Against the real API, a client reads LOOPS_API_KEY. (This example is
// compiled, not run: it would need a key.)
func ExampleNewClient_environment() {
	client, err := loops.NewClient("") // "" reads LOOPS_API_KEY
	if err != nil {
		log.Fatal(err)
	}
	_ = client
}

// A sign-up: upsert the contact, then send the event that starts your
// Loops workflow. A queue may run the job twice; the idempotency key makes
// the second send a no-op that counts as success.
func Example_signUp() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}

	signUp := func(ctx context.Context, userID, email string) error {
		_, err := client.Contacts.Update(ctx, &loops.ContactUpdateRequest{ // an upsert
			Email:  new(email),
			UserID: new(userID),
		})
		if err != nil {
			return err
		}
		err = client.Events.Send(ctx, &loops.EventRequest{
			UserID:    new(userID),
			EventName: "signedUp",
		}, loops.WithIdempotencyKey("signup-"+userID))
		if errors.Is(err, loops.ErrAlreadyProcessed) {
			return nil // an earlier run of this job sent it
		}
		return err
	}

	ctx := context.Background()
	fmt.Println("first run:", signUp(ctx, "user-1842", "ada@example.com"))
	fmt.Println("run again:", signUp(ctx, "user-1842", "ada@example.com"))
	fmt.Println("events Loops processed:", len(srv.Events()))
	// Output:
	// first run: <nil>
	// run again: <nil>
	// events Loops processed: 1
}

// A plain loop is already paced: one client, from any number of
// goroutines, sends at Loops' 10 requests a second and waits out 429s.
func Example_plainLoop() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	rows := []*loops.ContactUpdateRequest{
		{Email: new("ada@example.com"), FirstName: loops.Value("Ada")},
		{Email: new("grace@example.com"), FirstName: loops.Value("Grace")},
	}

	for _, row := range rows {
		if _, err := client.Contacts.Update(ctx, row); err != nil {
			log.Printf("%s: %v", *row.Email, err) // already retried where that is safe
		}
	}
	fmt.Println("contacts:", len(srv.Contacts()))
	// Output:
	// contacts: 2
}

// Errors carry their meaning: match sentinels with errors.Is, and read
// the details from *APIError (Loops answered) or *ValidationError (refused
// before anything was sent).
func Example_errors() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada@example.com"}); err != nil {
		log.Fatal(err)
	}

	explain := func(err error) string {
		var apiErr *loops.APIError
		var invalid *loops.ValidationError
		switch {
		case errors.As(err, &invalid): // also errors.Is(err, loops.ErrInvalidInput)
			return fmt.Sprintf("not sent: %s: %s", invalid.Field, invalid.Reason)
		case errors.Is(err, loops.ErrConflict):
			return "the contact exists already"
		case errors.As(err, &apiErr): // ErrRateLimited, ErrServerError: after the client's retries
			return fmt.Sprintf("Loops said %d: %s (%d attempts)", apiErr.StatusCode, apiErr.Message, apiErr.Attempts)
		}
		return fmt.Sprint(err) // nil, a transport error, or ctx's
	}

	_, err = client.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: "ada@example.com"})
	fmt.Println(explain(err))
	err = client.Events.Send(ctx, &loops.EventRequest{EventName: "signedUp"})
	fmt.Println(explain(err))
	// Output:
	// the contact exists already
	// not sent: email/userId: give Email or UserID (or both)
}

// Every list is a range loop (an iter.Seq2 that fetches pages as you go
// and stops when you break); Collect gathers one into a slice.
func Example_pagination() {
	srv := loopstest.New(loopstest.WithTransactionalEmails(
		loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome"},
		loopstest.TransactionalEmail{ID: "receipt", Name: "Receipt"},
	))
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	for email, err := range client.Transactional.ListIter(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(email.ID, email.Name)
	}

	all, err := loops.Collect(client.Transactional.ListIter(ctx, &loops.ListOptions{PerPage: 50}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(all), "templates")
	// Unordered output:
	// welcome Welcome
	// receipt Receipt
	// 2 templates
}

package loops_test

import (
	"context"
	"fmt"
	"log"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// Example_quickStart is the README's quick start, line for line from ctx
// on; the client talks to the in-memory fake instead of reading
// LOOPS_API_KEY (ExampleNewClient_environment).
func Example_quickStart() {
	srv := loopstest.New(loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{
		ID: "cll42l54f20i1la0lfooe3z12", Name: "Receipt", DataVariables: []string{"name"},
	}))
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...) // README: loops.NewClient("")
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()

	// Create or update a contact (an upsert). Required fields are values,
	// optional ones pointers (new(...) makes one), clearable ones
	// loops.Nullable; nil fields are not sent. Custom properties are extra keys.
	_, err = client.Contacts.Update(ctx, &loops.ContactUpdateRequest{
		Email:                new("ada@example.com"),
		FirstName:            loops.Value("Ada"),
		LastName:             loops.Null[string](), // clears it
		AdditionalProperties: map[string]any{"planName": "pro"},
	})
	if err != nil {
		log.Fatal(err)
	}

	// Send an email; its automatic idempotency key makes retries safe.
	err = client.Transactional.Send(ctx, &loops.TransactionalRequest{
		TransactionalID: "cll42l54f20i1la0lfooe3z12",
		Email:           "ada@example.com",
		DataVariables:   map[string]any{"name": "Ada"},
	})
	if err != nil {
		log.Fatal(err)
	}
	contact := srv.Contacts()[0]
	fmt.Println(contact.GetFirstName(), contact.GetLastName() == "", contact.AdditionalProperties["planName"])
	fmt.Println("emails sent:", len(srv.TransactionalSends()))
	// Output:
	// Ada true pro
	// emails sent: 1
}

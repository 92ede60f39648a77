package loopstest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// sendWelcome stands for the code under test: it sends the welcome email
// to a new user.
func sendWelcome(ctx context.Context, client *loops.Client, email, name string) error {
	err := client.Transactional.Send(ctx, &loops.TransactionalRequest{
		TransactionalID: "welcome",
		Email:           email,
		DataVariables:   map[string]any{"name": name},
	})
	return err
}

// A test of code that sends a transactional email. In a real test, with
// t *testing.T, start the fake with
//
//	srv := loopstest.NewServer(t, ...)
//
// instead: it closes itself when the test ends and fails the test (through
// t.Errorf) on any request the Loops contract forbids. Examples have no t,
// so this one uses New and Close, and prints what a test would assert.
func Example_transactionalEmail() {
	// The fake knows only the templates you give it; a send leaving out one
	// of DataVariables is refused with 400, as Loops does.
	srv := loopstest.New(loopstest.WithTransactionalEmails(
		loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome", DataVariables: []string{"name"}},
	))
	defer srv.Close()

	client, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err) // in a test: t.Fatal(err)
	}

	if err := sendWelcome(context.Background(), client, "ada@example.com", "Ada"); err != nil {
		log.Fatal(err)
	}

	// In a test:
	//
	//	if len(sends) != 1 || sends[0].Email != "ada@example.com" {
	//		t.Fatalf("sends = %+v", sends)
	//	}
	sends := srv.TransactionalSends()
	fmt.Println("emails sent:", len(sends))
	fmt.Println("template:", sends[0].TransactionalID)
	fmt.Println("to:", sends[0].Email)
	fmt.Println("name:", sends[0].DataVariables["name"])
	fmt.Println("carried an Idempotency-Key:", sends[0].IdempotencyKey != "")
	fmt.Println("contract violations:", len(srv.Violations()))
	// Output:
	// emails sent: 1
	// template: welcome
	// to: ada@example.com
	// name: Ada
	// carried an Idempotency-Key: true
	// contract violations: 0
}

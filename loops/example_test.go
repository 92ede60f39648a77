package loops_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// Each example runs against the in-memory fake of package loopstest, so it
// needs no API key and sends nothing. Against the real API, build the client
// with loops.NewClient("") (which reads LOOPS_API_KEY) instead.
// srv.ClientOptions() points a client at the fake for a test: no pacing,
// instant retries (see loopstest.Server.Client).

func ExampleNewClient() {
	srv := loopstest.New(loopstest.WithTeamName("Acme"))
	defer srv.Close()

	client, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()))
	if err != nil {
		log.Fatal(err)
	}
	key, err := client.Account.TestAPIKey(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("team:", key.TeamName)
	// Output:
	// team: Acme
}

func ExampleContactsService_Create() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Custom properties are extra top-level keys.
	_, err = client.Contacts.Create(ctx, &loops.ContactCreateRequest{
		Email:                "ada@example.com",
		FirstName:            loops.Value("Ada"),
		AdditionalProperties: map[string]any{"planName": "pro"},
	})
	if err != nil {
		log.Fatal(err)
	}

	contact, err := client.Contacts.Find(ctx, loops.ByEmail("ada@example.com"))
	if err != nil {
		log.Fatal(err)
	}
	plan, _ := contact.Get("planName")
	fmt.Println("email:", contact.Email)
	fmt.Println("first name:", *contact.FirstName)
	fmt.Println("subscribed:", *contact.Subscribed)
	fmt.Println("planName:", plan)
	// Output:
	// email: ada@example.com
	// first name: Ada
	// subscribed: true
	// planName: pro
}

func ExampleContactsService_Update() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A contact who unsubscribed earlier.
	_, err = client.Contacts.Create(ctx, &loops.ContactCreateRequest{
		Email:      "ada@example.com",
		FirstName:  loops.Value("Ada"),
		LastName:   loops.Value("Byron"),
		Subscribed: new(false),
	})
	if err != nil {
		log.Fatal(err)
	}

	// Update is an upsert. FirstName is set, LastName is cleared with
	// loops.Null, and Subscribed is left nil, so it is not sent: the update
	// does not re-subscribe the contact.
	_, err = client.Contacts.Update(ctx, &loops.ContactUpdateRequest{
		Email:     new("ada@example.com"),
		FirstName: loops.Value("Augusta Ada"),
		LastName:  loops.Null[string](),
	})
	if err != nil {
		log.Fatal(err)
	}

	contact, err := client.Contacts.Find(ctx, loops.ByEmail("ada@example.com"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("first name:", *contact.FirstName)
	fmt.Println("last name cleared:", contact.LastName == nil)
	fmt.Println("subscribed:", *contact.Subscribed)
	// Output:
	// first name: Augusta Ada
	// last name cleared: true
	// subscribed: false
}

func ExampleEventsService_Send() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	event := &loops.EventRequest{
		Email:           new("ada@example.com"),
		EventName:       "planUpgraded",
		EventProperties: map[string]any{"plan": "team"},
	}
	// Your own key (derived from the order, say) makes the send safe to
	// repeat, even from another process: Loops processes a key once.
	err = client.Events.Send(ctx, event, loops.WithIdempotencyKey("upgrade-order-1042"))
	fmt.Println("first send succeeded:", err == nil)

	err = client.Events.Send(ctx, event, loops.WithIdempotencyKey("upgrade-order-1042"))
	fmt.Println("second send refused as a reused key:", errors.Is(err, loops.ErrIdempotencyKeyReused))
	fmt.Println("events Loops processed:", len(srv.Events()))
	// Output:
	// first send succeeded: true
	// second send refused as a reused key: true
	// events Loops processed: 1
}

func ExampleTransactionalService_Send() {
	srv := loopstest.New(loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{
		ID:            "cll42l54f20i1la0lfooe3z12",
		Name:          "Receipt",
		DataVariables: []string{"name", "items"},
	}))
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}

	err = client.Transactional.Send(context.Background(), &loops.TransactionalRequest{
		TransactionalID: "cll42l54f20i1la0lfooe3z12",
		Email:           "ada@example.com",
		DataVariables: map[string]any{
			"name": "Ada",
			// An array block in the template takes a list of objects.
			"items": []map[string]any{
				{"name": "Widget", "price": 9.5},
				{"name": "Gadget", "price": 12},
			},
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	// What the fake "sent": values are as decoded from JSON.
	for _, send := range srv.TransactionalSends() {
		fmt.Println(send.TransactionalID, "to", send.Email)
		fmt.Println("name:", send.DataVariables["name"])
		fmt.Println("items:", send.DataVariables["items"])
	}
	// Output:
	// cll42l54f20i1la0lfooe3z12 to ada@example.com
	// name: Ada
	// items: [map[name:Widget price:9.5] map[name:Gadget price:12]]
}

func ExampleAPIError() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	contact := &loops.ContactCreateRequest{Email: "ada@example.com"}
	if _, err := client.Contacts.Create(ctx, contact); err != nil {
		log.Fatal(err)
	}
	_, err = client.Contacts.Create(ctx, contact) // the contact exists already

	// Match on meaning with errors.Is; reach the details with errors.As.
	var apiErr *loops.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("status:", apiErr.StatusCode)
		fmt.Println("message:", apiErr.Message)
	}
	fmt.Println("conflict:", errors.Is(err, loops.ErrConflict))
	fmt.Println("not found:", errors.Is(err, loops.ErrNotFound))
	// Output:
	// status: 409
	// message: Email or userId is already on list.
	// conflict: true
	// not found: false
}

func ExampleTransactionalService_ListPublishedIter() {
	var templates []loopstest.TransactionalEmail
	for i := 1; i <= 12; i++ {
		templates = append(templates, loopstest.TransactionalEmail{
			ID:   fmt.Sprintf("receipt-%02d", i),
			Name: fmt.Sprintf("Receipt %d", i),
		})
	}
	srv := loopstest.New(loopstest.WithTransactionalEmails(templates...))
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}

	// Pagination is a range loop: pages are fetched as the loop needs them,
	// and breaking out stops fetching.
	n := 0
	for email, err := range client.Transactional.ListPublishedIter(context.Background(), &loops.ListOptions{PerPage: 10}) {
		if err != nil {
			log.Fatal(err)
		}
		_ = email.ID // email.Name, email.DataVariables, ...
		n++
	}
	fmt.Println("published emails:", n)
	fmt.Println("pages fetched:", srv.RequestCount("GET /v1/transactional"))
	// Output:
	// published emails: 12
	// pages fetched: 2
}

func ExampleWithResponseInfo() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}

	// The first attempt gets a 503; the client waits and tries again.
	srv.Inject("GET /v1/api-key", loopstest.Status(503))

	var info loops.ResponseInfo
	if _, err := client.Account.TestAPIKey(context.Background(), loops.WithResponseInfo(&info)); err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", info.StatusCode)
	fmt.Println("attempts:", info.Attempts)
	fmt.Println("rate limit:", info.RateLimit.Limit, "per second")
	// Output:
	// status: 200
	// attempts: 2
	// rate limit: 10 per second
}

func ExampleClient_Do() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Do reaches any endpoint with the client's auth, retries and pacing:
	// body is sent as JSON and a 2xx answer is decoded into out.
	body := map[string]any{"email": "ada+docs@example.com", "firstName": "Ada"}
	if err := client.Do(ctx, "POST", "/v1/contacts/create", body, nil); err != nil {
		log.Fatal(err)
	}

	// A query string is yours to escape.
	var found []struct {
		Email     string `json:"email"`
		FirstName string `json:"firstName"`
	}
	path := "/v1/contacts/find?email=" + url.QueryEscape("ada+docs@example.com")
	if err := client.Do(ctx, "GET", path, nil, &found); err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(found), "contact:", found[0].Email, found[0].FirstName)
	// Output:
	// 1 contact: ada+docs@example.com Ada
}

func ExampleFeedbackService_Send() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}

	// An AI agent shows the user this report and sends it only once the
	// user agrees: Loops asks that of every agent.
	report := &loops.FeedbackRequest{
		Details:             "There is no call to list the contacts of a mailing list.",
		NotifyWhenAvailable: new(true),
	}
	if err := client.Feedback.Send(context.Background(), report); err != nil {
		log.Fatal(err) // a 21st report within 24 hours matches loops.ErrRateLimited
	}
	fmt.Println("reports filed:", len(srv.Feedback()))
	// Output:
	// reports filed: 1
}

package webhooks_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"time"

	"github.com/loopsdev/loops-go/loops/loopstest"
	"github.com/loopsdev/loops-go/loops/webhooks"
)

// ExampleNewHandler runs the README's handler (ExampleNewHandler_server),
// except that the secret is loopstest's instead of LOOPS_WEBHOOK_SECRET and
// that, instead of http.Handle("POST /webhooks/loops", h) and
// ListenAndServe, the fake delivers one event twice to a loopback server.
func ExampleNewHandler() {
	var mux webhooks.Mux
	mux.OnContactCreated(func(ctx context.Context, ev *webhooks.ContactCreated) error {
		fmt.Printf("new contact %s on plan %v\n", ev.Contact.Email, ev.Contact.AdditionalProperties["plan"])
		return nil // an error answers 500, and Loops delivers the event again
	})
	h, err := webhooks.NewHandler(loopstest.DefaultWebhookSecret, mux.Handle)
	if err != nil {
		log.Fatal(err)
	}

	endpoint := httptest.NewServer(h)
	defer endpoint.Close()
	fake := loopstest.New()
	defer fake.Close()
	ev := &webhooks.ContactCreated{}
	ev.Contact.Email = "ada@example.com"
	ev.Contact.AdditionalProperties = map[string]any{"plan": "pro"}
	statuses, err := fake.DeliverWebhook(context.Background(), endpoint.URL, ev, loopstest.WebhookReplayed())
	fmt.Println(statuses, err)
	// Output:
	// new contact ada@example.com on plan pro
	// [204 200] <nil>
}

// A webhook endpoint as a program serves it: the handler verifies, decodes
// and deduplicates each delivery and calls your function; the server's
// timeouts bound a client that sends its request slowly. (Compiled, not
// run: it listens on :8080.)
func ExampleNewHandler_server() {
	var mux webhooks.Mux
	mux.OnContactCreated(func(ctx context.Context, ev *webhooks.ContactCreated) error {
		log.Printf("new contact %s on plan %v", ev.Contact.Email, ev.Contact.AdditionalProperties["plan"])
		return nil // an error answers 500, and Loops delivers the event again
	})
	h, err := webhooks.NewHandler(os.Getenv("LOOPS_WEBHOOK_SECRET"), mux.Handle)
	if err != nil {
		log.Fatal(err) // a malformed secret
	}
	http.Handle("POST /webhooks/loops", h)
	srv := &http.Server{Addr: ":8080", ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// Verify checks a delivery's headers and raw body, before any decoding.
func ExampleVerifier_Verify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	v, err := webhooks.NewVerifier(secret)
	if err != nil {
		log.Fatal(err)
	}
	body := []byte(`{"eventName":"testing.testEvent","eventTime":1767225600,"message":"test","webhookSchemaVersion":"1.0.0"}`)

	// What Loops sends with the body.
	now := time.Now()
	sig, _ := webhooks.Sign(secret, "msg_2Lh9Kf", now, body)
	header := http.Header{}
	header.Set(webhooks.HeaderID, "msg_2Lh9Kf")
	header.Set(webhooks.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	header.Set(webhooks.HeaderSignature, sig)

	fmt.Println(v.Verify(header, body))
	body[len(body)-3]++ // one byte changed
	fmt.Println(errors.Is(v.Verify(header, body), webhooks.ErrBadSignature))
	// Output:
	// <nil>
	// true
}

// Parse gives a typed event; a type switch picks the ones you need.
func ExampleParse() {
	body := []byte(`{"eventName":"email.clicked","eventTime":1767225600,"webhookSchemaVersion":"1.0.0",
		"contactIdentity":{"id":"cm9c0nt4ct0000000000abcd1","email":"ada@example.com","userId":null},
		"email":{"id":"cm9em41l000000000000abcd2","emailMessageId":"cm9m3ss4g30000000000abcd3","subject":"July news"},
		"sourceType":"campaign","campaignId":"cm9c4mp41gn0000000000abc4"}`)
	ev, err := webhooks.Parse(body)
	if err != nil {
		log.Fatal(err)
	}
	switch ev := ev.(type) {
	case *webhooks.EmailClicked:
		fmt.Println(ev.ContactIdentity.Email, "clicked in", ev.Email.Subject, "of campaign", ev.GetCampaignID())
	case *webhooks.Unknown:
		fmt.Println("an event this version does not know:", ev.Name())
	}
	fmt.Println(ev.Time().Format(time.DateOnly))
	// Output:
	// ada@example.com clicked in July news of campaign cm9c4mp41gn0000000000abc4
	// 2026-01-01
}

// A test builds an event with its constructor, without importing package
// gen, and has the fake deliver it to the code under test.
func ExampleNewEmailOpened() {
	var mux webhooks.Mux
	mux.OnEmailOpened(func(ctx context.Context, ev *webhooks.EmailOpened) error {
		fmt.Printf("%s opened %q (%s)\n", ev.ContactIdentity.Email, ev.Email.Subject, ev.Name())
		return nil
	})
	h, err := webhooks.NewHandler(loopstest.DefaultWebhookSecret, mux.Handle)
	if err != nil {
		log.Fatal(err)
	}
	endpoint := httptest.NewServer(h)
	defer endpoint.Close()
	fake := loopstest.New()
	defer fake.Close()

	ev := webhooks.NewEmailOpened(webhooks.EmailOpenedPayload{
		ContactIdentity: webhooks.ContactIdentity{ID: "cm9c0nt4ct0000000000abcd1", Email: "ada@example.com"},
		Email:           webhooks.Email{ID: "cm9em41l000000000000abcd2", Subject: "July news"},
		SourceType:      "campaign",
		CampaignID:      new("cm9c4mp41gn0000000000abc4"),
	})
	statuses, err := fake.DeliverWebhook(context.Background(), endpoint.URL, ev)
	fmt.Println(statuses, err)
	// Output:
	// ada@example.com opened "July news" (email.opened)
	// [204] <nil>
}

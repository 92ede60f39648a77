// Command tour walks through the loops-go SDK and prints what each step
// does.
//
//	go run ./examples/tour
//
// Without LOOPS_API_KEY it starts the in-memory fake server of package
// loopstest and runs every step against it: nothing leaves the machine. With
// LOOPS_API_KEY set it runs only the read-only steps against the real API
// (or against LOOPS_BASE_URL, when set), so it never creates contacts or
// sends email. It exits non-zero if a step fails.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, where{apiKey: os.Getenv("LOOPS_API_KEY"), baseURL: os.Getenv("LOOPS_BASE_URL")}); err != nil {
		fmt.Fprintln(os.Stderr, "tour failed:", err)
		os.Exit(1)
	}
}

// where says what the tour runs against.
type where struct {
	apiKey, baseURL string // the read-only steps against this API (Loops' own when baseURL is empty), when apiKey is set
	// For tests, which run the tour in a testing/synctest bubble, in
	// virtual time: httpClient carries the read-only steps' requests, and
	// inProcess starts the fake without a listener and reaches it through
	// its in-process transport.
	httpClient *http.Client
	inProcess  bool
}

// run executes the read-only steps against the API when at.apiKey is set,
// else every step against a fresh fake.
func run(ctx context.Context, w io.Writer, at where) error {
	t := &tour{w: w}
	if at.apiKey != "" {
		opts := pacedOptions(w)
		if at.baseURL != "" {
			opts = append(opts, loops.WithBaseURL(at.baseURL))
		}
		if at.httpClient != nil {
			opts = append(opts, loops.WithHTTPClient(at.httpClient))
		}
		client, err := loops.NewClient(at.apiKey, opts...)
		if err != nil {
			return err
		}
		t.client = client
		t.say("LOOPS_API_KEY is set: read-only steps only, against %s.", cmp.Or(at.baseURL, loops.DefaultBaseURL))
		return t.steps(ctx, t.readOnlySteps())
	}

	// Against the fake, neither side paces, so the tour shows calls rather
	// than waits (against Loops, keep the client's default pacing, as the
	// read-only tour above does).
	fakeOpts := []loopstest.Option{
		loopstest.WithTeamName("Tour Team"),
		loopstest.WithTransactionalEmails(tourTemplates()...),
		loopstest.WithoutRateLimit(),
	}
	if at.inProcess {
		fakeOpts = append(fakeOpts, loopstest.WithoutListener())
	}
	srv := loopstest.New(fakeOpts...)
	defer srv.Close()
	opts := []loops.Option{loops.WithBaseURL(srv.URL()), loops.WithoutRateLimit(), loops.WithLogger(slog.New(retryNotes{w}))}
	if at.inProcess {
		opts = append(opts, loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}))
	}
	client, err := loops.NewClient(srv.APIKey(), opts...)
	if err != nil {
		return err
	}
	t.client, t.fake = client, srv
	t.say("No LOOPS_API_KEY: running every step against the in-memory fake at %s,", srv.URL())
	t.say("with pacing off on both sides (loops.WithoutRateLimit()): against Loops the client")
	t.say("paces itself to 10 requests a second and 60 content-API calls a minute.")
	if err := t.steps(ctx, append(append(append(t.readOnlySteps(), t.writeSteps()...), t.contentSteps()...), t.workflowSteps()...)); err != nil {
		return err
	}
	if v := srv.Violations(); len(v) > 0 {
		return fmt.Errorf("the fake saw %d contract violations, first: %s", len(v), v[0])
	}
	return nil
}

type tour struct {
	w      io.Writer
	client *loops.Client
	fake   *loopstest.Server // nil against the real API

	templateID string          // the transactional email the content steps made
	workflow   *loops.Workflow // the workflow steps' workflow, as last changed
	timerID    string          // its timer node
}

type step struct {
	title string
	run   func(context.Context) error
}

func (t *tour) steps(ctx context.Context, steps []step) error {
	for i, s := range steps {
		t.say("\n%d. %s", i+1, s.title)
		if err := s.run(ctx); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.title, err)
		}
	}
	t.say("\nTour complete: %d steps passed.", len(steps))
	return nil
}

func (t *tour) say(format string, args ...any) { fmt.Fprintf(t.w, format+"\n", args...) }

func (t *tour) readOnlySteps() []step {
	return []step{
		{"Verify the API key", t.verifyKey},
		{"List mailing lists", t.listMailingLists},
		{"List custom contact properties", t.listProperties},
		{"Iterate over the transactional emails, 10 per page", t.iterateTemplates},
	}
}

func (t *tour) writeSteps() []step {
	return []step{
		{"Create a custom property and a contact that uses it", t.createContact},
		{"Update the contact: set a name, clear a property, leave the rest alone", t.updateContact},
		{"Find the contact by email", t.findContact},
		{"Send an event with an idempotency key, then the same key again", t.sendEvent},
		{"Send a transactional email with a data variable", t.sendTransactional},
		{"A typed error: creating the same contact twice", t.duplicateContact},
		{"A retry: Loops answers 503 once, the client tries again", t.retryAfter503},
	}
}

func (t *tour) verifyKey(ctx context.Context) error {
	key, err := t.client.Account.TestAPIKey(ctx)
	if err != nil {
		return err
	}
	t.say("   the key belongs to team %q", key.TeamName)
	return nil
}

func (t *tour) listMailingLists(ctx context.Context) error {
	lists, err := t.client.MailingLists.List(ctx)
	if err != nil {
		return err
	}
	for _, l := range lists {
		t.say("   %s  %s (public: %v)", l.ID, l.Name, l.IsPublic)
	}
	t.say("   %d lists", len(lists))
	return nil
}

func (t *tour) listProperties(ctx context.Context) error {
	props, err := t.client.ContactProperties.List(ctx, loops.ContactPropertyFilterCustom)
	if err != nil {
		return err
	}
	t.say("   %d custom properties", len(props))
	return nil
}

func (t *tour) iterateTemplates(ctx context.Context) error {
	n, published := 0, 0
	for email, err := range t.client.Transactional.ListIter(ctx, &loops.ListOptions{PerPage: 10}) {
		if err != nil {
			return err
		}
		n++
		if email.PublishedEmailMessageID != nil {
			published++
		}
		if n <= 3 {
			t.say("   %s  %s  variables: %v", email.ID, email.Name, email.DataVariables)
		}
	}
	t.say("   %d transactional emails in all, %d of them published", n, published)
	return nil
}

const tourEmail = "ada+tour@example.com"

func (t *tour) createContact(ctx context.Context) error {
	if err := t.client.ContactProperties.Create(ctx, "planName", loops.ContactPropertyTypeString); err != nil {
		return err
	}
	created, err := t.client.Contacts.Create(ctx, &loops.ContactCreateRequest{
		Email:                tourEmail,
		FirstName:            loops.Value("Ada"),
		UserID:               new("user-1815"),
		AdditionalProperties: map[string]any{"planName": "pro"},
	})
	if err != nil {
		return err
	}
	t.say("   created contact %s with planName=pro", created.ID)
	return nil
}

func (t *tour) updateContact(ctx context.Context) error {
	_, err := t.client.Contacts.Update(ctx, &loops.ContactUpdateRequest{
		Email:                new(tourEmail),
		LastName:             loops.Value("Lovelace"),
		AdditionalProperties: map[string]any{"planName": nil}, // nil clears it
	})
	if err != nil {
		return err
	}
	t.say("   sent lastName=\"Lovelace\" and planName=null; subscribed was not sent, so it is unchanged")
	return nil
}

func (t *tour) findContact(ctx context.Context) error {
	c, err := t.client.Contacts.Find(ctx, loops.ByEmail(tourEmail))
	if err != nil {
		return err
	}
	_, hasPlan := c.Get("planName")
	t.say("   found %s: %s %s, subscribed=%v, planName set: %v", c.ID, c.GetFirstName(), c.GetLastName(), c.GetSubscribed(), hasPlan)
	if _, err := t.client.Contacts.Find(ctx, loops.ByEmail("nobody@example.com")); errors.Is(err, loops.ErrNotFound) {
		t.say("   an unknown email gives an error matching loops.ErrNotFound")
	} else {
		return fmt.Errorf("want ErrNotFound for an unknown contact, got %v", err)
	}
	return nil
}

func (t *tour) sendEvent(ctx context.Context) error {
	req := &loops.EventRequest{
		Email:           new(tourEmail),
		EventName:       "planUpgraded",
		EventProperties: map[string]any{"plan": "team", "seats": 5},
	}
	var info loops.ResponseInfo
	if err := t.client.Events.Send(ctx, req, loops.WithIdempotencyKey("upgrade-ada-2026-11"), loops.WithResponseInfo(&info)); err != nil {
		return err
	}
	t.say("   sent with Idempotency-Key %q (status %d, rate limit %d/%d left)", info.IdempotencyKey, info.StatusCode, info.RateLimit.Remaining, info.RateLimit.Limit)
	err := t.client.Events.Send(ctx, req, loops.WithIdempotencyKey("upgrade-ada-2026-11"))
	if !errors.Is(err, loops.ErrIdempotencyKeyReused) {
		return fmt.Errorf("want ErrIdempotencyKeyReused for a reused key, got %v", err)
	}
	t.say("   the same key again: %v", err)
	if t.fake != nil {
		t.say("   the fake processed the event %d time(s)", t.fake.IdempotencyCount("upgrade-ada-2026-11"))
	}
	return nil
}

func (t *tour) sendTransactional(ctx context.Context) error {
	var info loops.ResponseInfo
	err := t.client.Transactional.Send(ctx, &loops.TransactionalRequest{
		TransactionalID: "welcome",
		Email:           tourEmail,
		DataVariables:   map[string]any{"name": "Ada"},
	}, loops.WithResponseInfo(&info))
	if err != nil {
		return err
	}
	t.say("   sent; the client generated Idempotency-Key %s, so a retry could never send it twice", info.IdempotencyKey)
	return nil
}

func (t *tour) duplicateContact(ctx context.Context) error {
	_, err := t.client.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: tourEmail})
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, loops.ErrConflict) {
		return fmt.Errorf("want a 409 *loops.APIError, got %v", err)
	}
	t.say("   %v", err)
	t.say("   errors.Is(err, loops.ErrConflict) = true; status %d, message %q", apiErr.StatusCode, apiErr.Message)
	return nil
}

func (t *tour) retryAfter503(ctx context.Context) error {
	t.fake.Inject("GET /v1/lists", loopstest.Status(503))
	var info loops.ResponseInfo
	if _, err := t.client.MailingLists.List(ctx, loops.WithResponseInfo(&info)); err != nil {
		return err
	}
	if info.Attempts != 2 {
		return fmt.Errorf("want 2 attempts, got %d", info.Attempts)
	}
	t.say("   the first attempt got 503; the call succeeded on attempt %d", info.Attempts)
	return nil
}

func tourTemplates() []loopstest.TransactionalEmail {
	emails := []loopstest.TransactionalEmail{{ID: "welcome", Name: "Welcome", DataVariables: []string{"name"}}}
	for i := 1; i <= 12; i++ {
		emails = append(emails, loopstest.TransactionalEmail{ID: fmt.Sprintf("receipt-%02d", i), Name: fmt.Sprintf("Receipt %d", i)})
	}
	return emails
}

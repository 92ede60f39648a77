package loops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// failingLimiter is a custom Limiter whose backend is down.
type failingLimiter struct{ err error }

func (l failingLimiter) Wait(context.Context) error { return l.err }

// A custom limiter's own error reaches the caller as the cause; it is not
// disguised as a context deadline.
func TestCustomLimiterErrorIsKept(t *testing.T) {
	srv := loopstest.NewServer(t)
	backendDown := errors.New("quota service unreachable")
	c := newClient(t, srv, loops.WithLimiter(failingLimiter{backendDown}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.MailingLists.List(ctx)
	if !errors.Is(err, backendDown) {
		t.Fatalf("want the limiter's error in the chain, got %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Errorf("a limiter failure must not read as a ctx error: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d request(s) sent past a failing limiter", n)
	}

	// A ctx that is already done stays a ctx error.
	done, stop := context.WithCancel(context.Background())
	stop()
	if _, err := c.MailingLists.List(done); !errors.Is(err, context.Canceled) {
		t.Errorf("with a cancelled ctx want context.Canceled, got %v", err)
	}
}

// The retry log line names the error that caused the retry, without the key.
func TestRetryLogCarriesCause(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil)) // Info: retries only
	c, err := loops.NewClient(clientKey, append(fastOptions(closedPortURL(t)), loops.WithLogger(logger))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.MailingLists.List(context.Background()); err == nil {
		t.Fatal("want a transport error")
	}
	logs := buf.String()
	if !strings.Contains(logs, "loops: retrying") || !strings.Contains(logs, "error=") || !strings.Contains(logs, "connection refused") {
		t.Errorf("the retry lines do not carry the cause:\n%s", logs)
	}
	assertNoSecret(t, "the logs", logs, clientKey, "Bearer")
}

// Text from an error body cannot smuggle terminal escapes or control
// characters into Error() (or logs); the raw body is kept as received.
func TestAPIErrorEscapesControlCharacters(t *testing.T) {
	srv := loopstest.NewServer(t)
	const hostile = "\x1b[2J\x1b]0;pwned\x07bad \u202eevil\x00 request"
	body, _ := json.Marshal(map[string]string{"message": hostile})
	srv.Inject("GET /v1/lists", loopstest.Reply(400, string(body)))
	c := newClient(t, srv)
	_, err := c.MailingLists.List(context.Background())
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want *APIError, got %v", err)
	}
	for _, s := range []string{err.Error(), apiErr.Message} {
		for _, r := range s {
			if r < 0x20 || r == 0x7f || r == '\u202e' {
				t.Fatalf("%q still holds %U", s, r)
			}
		}
	}
	if !strings.Contains(err.Error(), `\x1b[2J`) || !strings.Contains(err.Error(), `\u202e`) {
		t.Errorf("escapes should stay visible as text: %q", err.Error())
	}
	if !bytes.Contains(apiErr.Body, []byte(`\u001b[2J`)) {
		t.Errorf("the raw body must stay as received, got %q", apiErr.Body)
	}
}

// Iterators take the same call options as the page call, on every page.
func TestIteratorTakesCallOptions(t *testing.T) {
	var emails []loopstest.TransactionalEmail
	for i := range 12 {
		emails = append(emails, loopstest.TransactionalEmail{ID: "tx-" + string(rune('a'+i)), Name: "T"})
	}
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(emails...))
	c := newClient(t, srv)
	var info loops.ResponseInfo
	n := 0
	for _, err := range c.Transactional.ListPublishedIter(context.Background(), &loops.ListOptions{PerPage: 10}, loops.WithResponseInfo(&info)) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 12 {
		t.Fatalf("iterated %d emails, want 12", n)
	}
	if info.StatusCode != 200 || !bytes.Contains(info.Body, []byte(`"nextCursor":null`)) {
		t.Errorf("WithResponseInfo was not applied to the last page: %+v", info)
	}
}

// Contacts.Find with no match and Contacts.Delete of an unknown contact
// both match ErrNotFound, but differ on purpose: Loops answers a find with
// 200 and an empty list (no *APIError), and a delete with a real 404.
func TestNotFoundFromFindAndDelete(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()

	_, err := c.Contacts.Find(ctx, loops.ByEmail("nobody@example.com"))
	if !errors.Is(err, loops.ErrNotFound) {
		t.Fatalf("Find: want ErrNotFound, got %v", err)
	}
	var apiErr *loops.APIError
	if errors.As(err, &apiErr) {
		t.Errorf("Find: no match is not an *APIError (Loops answered 200), got %+v", apiErr)
	}
	if got, want := err.Error(), "loops: Contacts.Find: no contact matches"; got != want {
		t.Errorf("Find: error text %q, want %q", got, want)
	}
	if strings.Contains(err.Error(), "nobody") {
		t.Errorf("Find: the lookup (an email address) leaked into the error: %q", err)
	}

	err = c.Contacts.Delete(ctx, loops.ByEmail("nobody@example.com"))
	if !errors.Is(err, loops.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.StatusCode != 404 {
		t.Fatalf("Delete: want an *APIError 404 matching ErrNotFound, got %v", err)
	}
	if !strings.Contains(err.Error(), "POST /v1/contacts/delete: 404 Not Found") {
		t.Errorf("Delete: error text %q does not name the request and status", err.Error())
	}
}

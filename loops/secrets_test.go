package loops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// clientKey looks like a real Loops key; no test server accepts it.
const clientKey = "a1b2c3d4e5f60718293a4b5c6d7e8f90"

// assertNoSecret fails when s contains any of the secrets.
func assertNoSecret(t *testing.T, where, s string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains %q: %s", where, secret, s)
		}
	}
}

// assertErrorHidesKey checks the error text and, for an *APIError, its body
// and message.
func assertErrorHidesKey(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	assertNoSecret(t, "err.Error()", err.Error(), secrets...)
	var apiErr *loops.APIError
	if errors.As(err, &apiErr) {
		assertNoSecret(t, "APIError.Body", string(apiErr.Body), secrets...)
		assertNoSecret(t, "APIError.Message", apiErr.Message, secrets...)
		assertNoSecret(t, "APIError.Path", apiErr.Path, secrets...)
	}
}

func closedPortURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/api"
}

func fastOptions(base string) []loops.Option {
	return []loops.Option{
		loops.WithBaseURL(base),
		loops.WithBackoff(time.Millisecond, 2*time.Millisecond, 0),
		loops.WithoutRateLimit(),
	}
}

func TestKeyNotInErrorFromWrongKey(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithAPIKey("the-server-key-0000"))
	c, err := loops.NewClient(clientKey, fastOptions(srv.URL())...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Account.TestAPIKey(context.Background())
	if !errors.Is(err, loops.ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized from a wrong key, got %v", err)
	}
	assertErrorHidesKey(t, err, clientKey)
}

func TestKeyNotInTransportError(t *testing.T) {
	c, err := loops.NewClient(clientKey, fastOptions(closedPortURL(t))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Contacts.Find(context.Background(), loops.ByEmail("grace+private@example.com"))
	var apiErr *loops.APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("want a transport error, got %v", err)
	}
	assertErrorHidesKey(t, err, clientKey, "grace", "private")

	// Do with a query of its own, to the same closed port.
	err = c.Do(context.Background(), "GET", "/v1/contacts/find?email=grace%2Bprivate%40example.com", nil, nil)
	if err == nil || errors.As(err, &apiErr) {
		t.Fatalf("want a transport error from Do, got %v", err)
	}
	assertErrorHidesKey(t, err, clientKey, "grace", "private")
}

// A proxy or a buggy server may echo the request headers in an error body.
func TestKeyNotInEchoedErrorBody(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        func(auth string) []byte
	}{
		{"json message", "application/json", func(auth string) []byte {
			b, _ := json.Marshal(map[string]any{"success": false, "message": "bad header Authorization: " + auth})
			return b
		}},
		{"json nested error", "application/json", func(auth string) []byte {
			b, _ := json.Marshal(map[string]any{"error": map[string]any{"path": auth, "reason": "rejected " + auth}})
			return b
		}},
		{"json echo object", "application/json", func(auth string) []byte {
			b, _ := json.Marshal(map[string]any{"headers": map[string]string{"Authorization": auth}})
			return b
		}},
		{"plain text", "text/plain", func(auth string) []byte { return []byte("upstream refused Authorization: " + auth) }},
		{"html", "text/html", func(auth string) []byte {
			return []byte("<html><head><title>500 " + auth + "</title></head><body>" + auth + "</body></html>")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []string
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth := r.Header.Get("Authorization")
				mu.Lock()
				seen = append(seen, auth)
				mu.Unlock()
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(http.StatusInternalServerError)
				w.Write(tt.body(auth))
			}))
			defer ts.Close()
			c, err := loops.NewClient(clientKey, append(fastOptions(ts.URL+"/api"), loops.WithMaxRetries(1))...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.MailingLists.List(context.Background())
			if !errors.Is(err, loops.ErrServerError) {
				t.Fatalf("want ErrServerError, got %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) == 0 || seen[0] != "Bearer "+clientKey {
				t.Fatalf("the echo server did not get the key (saw %q); the test proves nothing", seen)
			}
			assertErrorHidesKey(t, err, clientKey)
		})
	}
}

// The redaction must hold whatever escaping the echoing server used: here a
// key with characters that encoding/json escapes by default (<, >, &).
func TestKeyNotInJSONEscapedEcho(t *testing.T) {
	const key = "sk<live>&0123456789"
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		// encoding/json writes "<" as \u003c, so the raw body does not
		// contain the key, but the decoded message does.
		json.NewEncoder(w).Encode(map[string]any{"success": false, "message": "bad key " + r.Header.Get("Authorization")})
	}))
	defer ts.Close()
	c, err := loops.NewClient(key, append(fastOptions(ts.URL+"/api"), loops.WithMaxRetries(0))...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.MailingLists.List(context.Background())
	if !errors.Is(err, loops.ErrServerError) {
		t.Fatalf("want ErrServerError, got %v", err)
	}
	assertErrorHidesKey(t, err, key)
}

func TestKeyAndQueryNotInLogs(t *testing.T) {
	const email = "grace+private@example.com"
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()

	// A good key, with a retried 503, a found contact and a validation-free
	// query that carries the email.
	srv := loopstest.NewServer(t)
	good, err := loops.NewClient(srv.APIKey(), append(fastOptions(srv.URL()), loops.WithLogger(logger))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := good.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: email}); err != nil {
		t.Fatal(err)
	}
	srv.Inject("GET /v1/contacts/find", loopstest.Status(503), loopstest.HTMLStatus(502))
	if _, err := good.Contacts.Find(ctx, loops.ByEmail(email)); err != nil {
		t.Fatalf("Find after retries: %v", err)
	}
	if err := good.Events.Send(ctx, &loops.EventRequest{Email: new(email), EventName: "signup"}); err != nil {
		t.Fatal(err)
	}
	goodKeyLogs := buf.String()

	// A wrong key against a fake that requires another.
	strict := loopstest.NewServer(t, loopstest.WithAPIKey("the-server-key-0000"))
	wrong, err := loops.NewClient(clientKey, append(fastOptions(strict.URL()), loops.WithLogger(logger))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.Contacts.Find(ctx, loops.ByEmail(email)); !errors.Is(err, loops.ErrUnauthorized) {
		t.Fatalf("want ErrUnauthorized, got %v", err)
	}

	// Transport errors, retried.
	down, err := loops.NewClient(clientKey, append(fastOptions(closedPortURL(t)), loops.WithLogger(logger))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := down.Contacts.Find(ctx, loops.ByEmail(email)); err == nil {
		t.Fatal("want a transport error")
	}

	logs := buf.String()
	if !strings.Contains(logs, "/v1/contacts/find") {
		t.Errorf("the logs do not name the route:\n%s", logs)
	}
	if !strings.Contains(logs, "loops: retrying") || !strings.Contains(logs, "503") {
		t.Errorf("the logs show no retry after the 503:\n%s", logs)
	}
	if !strings.Contains(logs, "status=401") {
		t.Errorf("the logs do not show the 401:\n%s", logs)
	}
	assertNoSecret(t, "the logs", logs, srv.APIKey(), clientKey, "grace", "private", "Bearer", "Idempotency")
	if goodKeyLogs == "" {
		t.Error("nothing was logged at Debug level")
	}
}

func TestClientFormattingHidesKey(t *testing.T) {
	c, err := loops.NewClient(clientKey, loops.WithBaseURL("http://127.0.0.1:1/api"))
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %s", c, c, c, c)
	assertNoSecret(t, "fmt output", out, clientKey)
	if !strings.Contains(out, "127.0.0.1:1") {
		t.Errorf("fmt output %q does not describe the client", out)
	}

	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("client", "client", c)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("client", "client", c)
	assertNoSecret(t, "slog output", buf.String(), clientKey)

	b, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("json.Marshal(client): %v", err)
	}
	assertNoSecret(t, "json.Marshal(client)", string(b), clientKey)

	// The services and the raw client print as pointers, not as the client.
	out = fmt.Sprintf("%+v %+v %#v", c.Contacts, c.Raw(), c.Events)
	assertNoSecret(t, "fmt output of the services", out, clientKey)
}

// A Client copied by value (log.Printf("%+v", *client)) must not print the
// key either.
func TestClientValueFormattingHidesKey(t *testing.T) {
	c, err := loops.NewClient(clientKey, loops.WithBaseURL("http://127.0.0.1:1/api"))
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v", *c, *c, *c)
	assertNoSecret(t, "fmt output of *client", out, clientKey)
}

func TestNewClientKeyFromEnvironment(t *testing.T) {
	t.Run("no key anywhere", func(t *testing.T) {
		t.Setenv("LOOPS_API_KEY", "")
		c, err := loops.NewClient("")
		if err == nil || c != nil {
			t.Fatalf("NewClient(\"\") with LOOPS_API_KEY unset = (%v, %v), want an error", c, err)
		}
		if !strings.Contains(err.Error(), "LOOPS_API_KEY") {
			t.Errorf("the error should tell how to give a key: %v", err)
		}
	})
	t.Run("key from LOOPS_API_KEY", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		t.Setenv("LOOPS_API_KEY", srv.APIKey())
		c, err := loops.NewClient("", fastOptions(srv.URL())...)
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Account.TestAPIKey(context.Background())
		if err != nil {
			t.Fatalf("the fake refused the key from LOOPS_API_KEY: %v", err)
		}
		if res.TeamName != loopstest.DefaultTeamName {
			t.Errorf("team = %q, want %q", res.TeamName, loopstest.DefaultTeamName)
		}
	})
	t.Run("explicit key wins over LOOPS_API_KEY", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		t.Setenv("LOOPS_API_KEY", "some-other-key")
		c, err := loops.NewClient(srv.APIKey(), fastOptions(srv.URL())...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Account.TestAPIKey(context.Background()); err != nil {
			t.Fatalf("the explicit key was not used: %v", err)
		}
	})
}

func TestNewClientRefusesMalformedKeyWithoutEchoingIt(t *testing.T) {
	for _, key := range []string{
		"abc def-secret-1",
		"abc-secret-2\n",
		"abc\nX-Evil: secret-3",
		"abc\tsecret-4",
		"abc\rsecret-5",
		"abc\x00secret-6",
	} {
		c, err := loops.NewClient(key)
		if err == nil || c != nil {
			t.Errorf("NewClient(%q) = (%v, nil), want an error", key, c)
			continue
		}
		// Neither the key nor any distinctive part of it may be echoed.
		assertNoSecret(t, "NewClient error", err.Error(), key, "secret")
	}
}

package loops_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// A nil ctx is an error, as net/http makes it, not a panic.
func TestNilContextIsAnError(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	var nilCtx context.Context
	if _, err := c.Account.TestAPIKey(nilCtx); err == nil || !strings.Contains(err.Error(), "nil Context") {
		t.Errorf("TestAPIKey(nil): %v", err)
	}
	if err := c.Do(nilCtx, "GET", "/v1/api-key", nil, nil); err == nil {
		t.Error("Do(nil ctx) succeeded")
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d request(s) sent", n)
	}
}

// A Client that was declared rather than made with NewClient says so.
func TestZeroClientSaysUseNewClient(t *testing.T) {
	var c loops.Client
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"generated": func() error { _, err := c.Account.TestAPIKey(ctx); return err },
		"handwritten": func() error {
			_, err := c.Contacts.Find(ctx, loops.ByEmail("a@example.com"))
			return err
		},
		"send": func() error {
			return c.Events.Send(ctx, &loops.EventRequest{Email: new("a@example.com"), EventName: "e"})
		},
		"Do": func() error { return c.Do(ctx, "GET", "/v1/api-key", nil, nil) },
		"iterator": func() error {
			for _, err := range c.Themes.ListIter(ctx, nil) {
				return err
			}
			return nil
		},
	} {
		if err := call(); err == nil || !strings.Contains(err.Error(), "NewClient") {
			t.Errorf("%s on a zero Client: %v; want an error naming NewClient", name, err)
		}
	}
}

// A nil reader or a nil change function is bad input, refused before
// anything is sent.
func TestNilReaderAndNilFuncAreValidationErrors(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	_, err := c.Uploads.Upload(t.Context(), nil, "image/png", 10)
	var ve *loops.ValidationError
	if !errors.As(err, &ve) || ve.Field != "r" {
		t.Errorf("Upload(nil reader): %v", err)
	}
	if err := c.Workflows.Modify(t.Context(), "wf1", nil); !errors.As(err, &ve) || ve.Field != "change" {
		t.Errorf("Modify(nil func): %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d request(s) sent", n)
	}
}

// Idempotency keys are sent exactly or refused: surrounding whitespace is
// refused (net/http would trim it), and the 100 limit counts characters.
func TestIdempotencyKeyIsSentExactlyOrRefused(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	for _, key := range []string{" k", "k ", "   ", "\u00a0k"} {
		err := sendEvent(t.Context(), c, loops.WithIdempotencyKey(key))
		if !errors.Is(err, loops.ErrInvalidInput) || !strings.Contains(err.Error(), "whitespace") {
			t.Errorf("key %q: %v; want a ValidationError about whitespace", key, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d request(s) sent", n)
	}
	runes := strings.Repeat("é", 100) // 100 characters, 200 bytes
	if err := sendEvent(t.Context(), c, loops.WithIdempotencyKey(runes)); err != nil {
		t.Errorf("a 100-character key of 200 bytes: %v", err)
	}
	if err := sendEvent(t.Context(), c, loops.WithIdempotencyKey(runes+"é")); !errors.Is(err, loops.ErrInvalidInput) {
		t.Errorf("a 101-character key: %v", err)
	}
}

// A Do path that fails to parse gives an error without the URL or query.
func TestDoBadPathHidesTheQuery(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	err := c.Do(t.Context(), "GET", "/v1/contacts/find%zz?email=secret.person@example.com", nil, nil)
	if !errors.Is(err, loops.ErrInvalidInput) || strings.Contains(err.Error(), "secret.person") || strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("got %v; want a ValidationError without the URL", err)
	}
}

package loops

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeErrorBody(t *testing.T) {
	tests := []struct {
		name, body        string
		status            int
		wantMsg, wantPath string
	}{
		{"classic", `{"success":false,"message":"Invalid email"}`, 400, "Invalid email", ""},
		{"bare message", `{"message":"Campaign not found"}`, 404, "Campaign not found", ""},
		{"deprecated error string only", `{"error":"Invalid API key"}`, 401, "Invalid API key", ""},
		{"message wins over error", `{"success":false,"message":"Invalid API key","error":"old text"}`, 401, "Invalid API key", ""},
		{"top-level path", `{"success":false,"path":"dataVariables","message":"Missing required fields: name"}`, 400, "Missing required fields: name", "dataVariables"},
		{"nested error message", `{"success":false,"message":"","error":{"path":"transactionalId","message":"Transactional email not found"}}`, 404, "Transactional email not found", "transactionalId"},
		{"nested error reason", `{"success":false,"error":{"path":"attachments","reason":"not enabled"}}`, 400, "not enabled", "attachments"},
		{"nested with outer message", `{"success":false,"message":"Bad request","error":{"path":"email","message":"invalid"},"transactionalId":"x"}`, 400, "Bad request", "email"},
		{"html with title", "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", 502, "HTML error page: 502 Bad Gateway", ""},
		{"html without title", "<html><body>oops</body></html>", 502, "HTML error page (probably from a proxy or load balancer)", ""},
		{"empty", "", 503, "empty response body", ""},
		{"whitespace", " \n ", 500, "empty response body", ""},
		{"plain text", "upstream connect error\nor disconnect", 503, "upstream connect error or disconnect", ""},
		{"json without message", `{"success":false}`, 500, "unrecognised JSON error body", ""},
		{"json array", `[1,2]`, 500, "unrecognised JSON error body", ""},
		{"broken json", `{"message":`, 500, `{"message":`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, path := decodeErrorBody(tt.status, []byte(tt.body))
			if msg != tt.wantMsg || path != tt.wantPath {
				t.Errorf("decodeErrorBody(%q) = (%q, %q), want (%q, %q)", tt.body, msg, path, tt.wantMsg, tt.wantPath)
			}
		})
	}
}

func FuzzDecodeError(f *testing.F) {
	for _, seed := range []string{
		`{"success":false,"message":"x"}`, `{"error":{"path":"a","reason":"b"}}`, `{"error":7}`,
		"<html><title>t</title></html>", "", "\xff\xfe", `{"message":"` + strings.Repeat("é", 400) + `"}`,
	} {
		f.Add(500, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		msg, path := decodeErrorBody(status, body)
		if msg == "" {
			t.Fatalf("empty message for %q", body)
		}
		for _, s := range []string{msg, path} {
			if strings.ContainsAny(s, "\n\r\t") {
				t.Fatalf("not one line: %q", s)
			}
			if len(s) > 300+len("…")+len("HTML error page: ") {
				t.Fatalf("not capped: %d bytes", len(s))
			}
		}
		if utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 body produced invalid message %q", msg)
		}
	})
}

func TestAPIErrorIs(t *testing.T) {
	sentinels := []error{ErrBadRequest, ErrUnauthorized, ErrNotFound, ErrConflict, ErrRevisionConflict, ErrConfirmationRequired, ErrIdempotencyKeyReused, ErrRateLimited, ErrServerError}
	tests := []struct {
		name string
		err  *APIError
		want []error
	}{
		{"400", &APIError{StatusCode: 400}, []error{ErrBadRequest}},
		{"401", &APIError{StatusCode: 401}, []error{ErrUnauthorized}},
		{"404", &APIError{StatusCode: 404}, []error{ErrNotFound}},
		{"409 plain", &APIError{StatusCode: 409}, []error{ErrConflict}},
		{"409 caller key", &APIError{StatusCode: 409, IdempotencyKey: "k", keyFromCaller: true}, []error{ErrConflict, ErrIdempotencyKeyReused}},
		{"409 generated key", &APIError{StatusCode: 409, IdempotencyKey: "k"}, []error{ErrConflict}},
		{"409 stale revision", &APIError{StatusCode: 409, Message: "workflowRevisionId mismatch. Latest workflowRevisionId is r2. Refetch and retry."}, []error{ErrConflict, ErrRevisionConflict}},
		{"409 confirm delete", &APIError{StatusCode: 409, Message: "The workflow is sending. Confirm deletion by sending a second request with confirmDelete: true."}, []error{ErrConflict, ErrConfirmationRequired}},
		{"400 naming confirmDelete", &APIError{StatusCode: 400, Message: "confirmDelete: true is not a boolean"}, []error{ErrBadRequest}},
		{"429", &APIError{StatusCode: 429}, []error{ErrRateLimited}},
		{"500", &APIError{StatusCode: 500}, []error{ErrServerError}},
		{"503", &APIError{StatusCode: 503}, []error{ErrServerError}},
		{"422", &APIError{StatusCode: 422}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range sentinels {
				want := false
				for _, w := range tt.want {
					want = want || w == s
				}
				if got := errors.Is(tt.err, s); got != want {
					t.Errorf("errors.Is(%d, %v) = %v, want %v", tt.err.StatusCode, s, got, want)
				}
			}
		})
	}
}

func TestAPIErrorText(t *testing.T) {
	e := &APIError{StatusCode: 409, Method: "POST", Route: "/v1/transactional", Message: "Idempotency key has already been used.", IdempotencyKey: "k", keyFromCaller: true, Attempts: 1}
	want := "loops: POST /v1/transactional: 409 Conflict (idempotency key already used): Idempotency key has already been used."
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
	e = &APIError{StatusCode: 503, Method: "GET", Route: "/v1/lists", Message: "down", Path: "x", Attempts: 4}
	want = "loops: GET /v1/lists: 503 Service Unavailable: down [x] (after 4 attempts)"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q\nwant      %q", got, want)
	}
}

func TestValidationError(t *testing.T) {
	err := error(invalid("Contacts.Find", "email/userId", "give one"))
	if !errors.Is(err, ErrInvalidInput) {
		t.Error("ValidationError does not match ErrInvalidInput")
	}
	if got, want := err.Error(), "loops: Contacts.Find: invalid email/userId: give one"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRedactURLError(t *testing.T) {
	orig := &url.Error{Op: "Get", URL: "https://user:pw@app.loops.so/api/v1/contacts/find?email=alex%40example.com", Err: context.DeadlineExceeded}
	err := redactURLError(orig)
	if strings.Contains(err.Error(), "alex") || strings.Contains(err.Error(), "pw") {
		t.Errorf("redacted error still carries private data: %v", err)
	}
	if !strings.Contains(err.Error(), "/api/v1/contacts/find") {
		t.Errorf("redacted error lost the path: %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("redaction broke errors.Is")
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Error("redaction broke errors.As(*url.Error)")
	}
	if other := errors.New("x"); redactURLError(other) != other {
		t.Error("non-url errors must pass through")
	}
	_ = http.StatusOK
}

package loops

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/loopsdev/loops-go/gen"
)

// Sentinel errors. An [*APIError] matches them with errors.Is according to
// its status code, so callers never need to compare message text (which
// Loops has changed before).
var (
	ErrBadRequest           = errors.New("loops: bad request")                                  // 400
	ErrUnauthorized         = errors.New("loops: unauthorized")                                 // 401
	ErrNotFound             = errors.New("loops: not found")                                    // 404, or no contact matched a find
	ErrConflict             = errors.New("loops: conflict")                                     // 409
	ErrRevisionConflict     = errors.New("loops: revision conflict")                            // 409 for a stale expectedRevisionId
	ErrIdempotencyKeyReused = &aliasError{"loops: idempotency key reused", ErrAlreadyProcessed} // ErrAlreadyProcessed's first name; it matches it
	ErrMultipleContacts     = errors.New("loops: multiple contacts found")                      // 400: the email and the userId given name different contacts
	ErrConfirmationRequired = errors.New("loops: confirmation required")                        // 409 asking to repeat a delete with confirmDelete: true
	ErrRateLimited          = errors.New("loops: rate limited")                                 // 429
	ErrQuotaExceeded        = errors.New("loops: quota exceeded")                               // 429 naming a quota (the upload limit), returned without retries
	ErrServerError          = errors.New("loops: server error")                                 // 5xx
	ErrUnsuccessful         = errors.New("loops: unsuccessful answer")                          // a 2xx whose body says "success": false
	ErrInvalidInput         = errors.New("loops: invalid input")                                // any *ValidationError
)

// ErrAlreadyProcessed matches a 409 to a send under your own idempotency
// key ([WithIdempotencyKey]): Loops processed that key in an earlier call,
// so the event or email already went out, and a job that retries can count
// this as success. (When this call's own earlier attempt may have landed,
// the call succeeds instead, with ResponseInfo.Deduplicated set, so the
// error never stands for a send lost in transit.)
var ErrAlreadyProcessed = errors.New("loops: already processed")

// aliasError is a sentinel kept under an older name: it matches the one it
// stands for with errors.Is.
type aliasError struct {
	msg string
	of  error
}

func (e *aliasError) Error() string { return e.msg }
func (e *aliasError) Unwrap() error { return e.of }

// maxErrorBody caps how much of an error body an APIError keeps.
const maxErrorBody = 64 << 10

// APIError is returned when Loops answers with a status outside 2xx, or
// with a 2xx whose body says "success": false (it then matches
// [ErrUnsuccessful]).
type APIError struct {
	// StatusCode is the HTTP status, such as 400 or 503.
	StatusCode int
	// Message is what Loops said, taken from whichever error envelope it
	// used, or a readable description when the body was HTML or empty.
	Message string
	// Path names the offending field when Loops reported one.
	Path string
	// Method and Route describe the request, such as "POST" and
	// "/v1/events/send". Route never includes the query string, which can
	// hold email addresses.
	Method, Route string
	// Body is the raw response body, capped at 64 KiB.
	Body []byte
	// Header holds the response headers.
	Header http.Header
	// RateLimit holds the x-ratelimit-* numbers of the response.
	RateLimit RateLimit
	// Attempts is how many times the request was sent.
	Attempts int
	// IdempotencyKey is the key the request carried, if any.
	IdempotencyKey string

	keyFromCaller bool // the caller chose IdempotencyKey (vs generated)
}

// Error returns one line: the request, the status, Loops' message and,
// after retries, the attempt count.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("loops: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Route + ": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	if e.StatusCode >= 200 && e.StatusCode <= 299 {
		b.WriteString(" (success: false)")
	}
	if e.reusedKey() {
		b.WriteString(" (idempotency key already used)")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Path != "" {
		b.WriteString(" [" + e.Path + "]")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
		if e.revisionConflict() || (e.Method == http.MethodDelete && e.StatusCode == http.StatusNotFound) {
			b.WriteString("; an earlier attempt may have applied the change: re-read before deciding")
		}
	}
	return b.String()
}

// Is reports whether the error matches one of the package's sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRevisionConflict:
		return e.revisionConflict()
	case ErrAlreadyProcessed, ErrIdempotencyKeyReused:
		return e.reusedKey()
	case ErrMultipleContacts:
		return e.StatusCode == http.StatusBadRequest && says(e.Message, markerMultipleContacts)
	case ErrConfirmationRequired:
		return e.StatusCode == http.StatusConflict && says(e.Message, markerConfirmDelete)
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrQuotaExceeded:
		return e.StatusCode == http.StatusTooManyRequests && isQuota(e.Body)
	case ErrServerError:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	case ErrUnsuccessful:
		return e.StatusCode >= 200 && e.StatusCode <= 299
	}
	return false
}

// revisionConflict reports a 409 that Loops explains as a stale
// revision ("... mismatch. Latest ...RevisionId is ..."; see errmarkers.go).
func (e *APIError) revisionConflict() bool {
	return e.StatusCode == http.StatusConflict && says(e.Message, markerStaleRevision)
}

// Details decodes the error body into the contract's ErrorResponse, which
// carries the fields some failures add: InvalidTags (a component change
// that would break emails), MaxUploads and WindowHours (the upload limit),
// SupportedContentTypes and MaxBytes (a refused upload). It is empty for a
// body that is not JSON.
func (e *APIError) Details() *ErrorResponse {
	var d ErrorResponse
	_ = json.Unmarshal(e.Body, &d)
	return &d
}

// LatestRevisionID returns the current revision a revision conflict names,
// or "" when the error is not one or its message gives none.
func (e *APIError) LatestRevisionID() string {
	if !e.revisionConflict() {
		return ""
	}
	rest, ok := after(e.Message, markerLatestRevision)
	id, _, _ := strings.Cut(rest, ".")
	if id = strings.TrimSpace(id); !ok || id == "null" || strings.ContainsAny(id, " \t\n") {
		return ""
	}
	return id
}

func (e *APIError) reusedKey() bool {
	return e.StatusCode == http.StatusConflict && e.IdempotencyKey != "" && e.keyFromCaller
}

// ValidationError reports input the client refused before sending
// anything. It matches [ErrInvalidInput] with errors.Is.
type ValidationError struct {
	// Op is the call that refused, such as "Contacts.Find".
	Op string
	// Field names the offending input, such as "email/userId".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns one line naming the call, the field and the reason.
func (e *ValidationError) Error() string {
	return "loops: " + e.Op + ": invalid " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidInput) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidInput }

func invalid(op, field, reason string) *ValidationError {
	return &ValidationError{Op: op, Field: field, Reason: reason}
}

// fieldInvalid reports a generated Validate method's *gen.FieldError as a
// *ValidationError of the call.
func fieldInvalid(op string, err error) error {
	var fe *gen.FieldError
	if errors.As(err, &fe) {
		return invalid(op, cmp.Or(fe.Field, "request"), fe.Reason)
	}
	return invalid(op, "request", err.Error())
}

// errorEnvelope is the union of every error body Loops sends: the classic
// {success:false,message}, the bare {message} of newer endpoints, the
// deprecated top-level error string and path, and the nested
// error:{path,message|reason} of transactional sends.
type errorEnvelope struct {
	Message string          `json:"message"`
	Path    string          `json:"path"`
	Error   json.RawMessage `json:"error"`
}

type errorDetail struct {
	Path    string `json:"path"`
	Message string `json:"message"`
	Reason  string `json:"reason"`
}

// decodeErrorBody extracts a message and a field path from any error body:
// JSON in any of Loops' envelopes, an HTML page (its title), plain text,
// or nothing at all. It never fails.
func decodeErrorBody(status int, body []byte) (message, path string) {
	trimmed := bytes.TrimSpace(body)
	var env errorEnvelope
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &env) == nil {
		message, path = env.Message, env.Path
		if len(env.Error) > 0 {
			var s string
			var d errorDetail
			switch {
			case json.Unmarshal(env.Error, &s) == nil:
				if message == "" {
					message = s
				}
			case json.Unmarshal(env.Error, &d) == nil:
				if message == "" {
					message = d.Message
				}
				if message == "" {
					message = d.Reason
				}
				if path == "" {
					path = d.Path
				}
			}
		}
		if m := oneLine(message); m != "" {
			return m, oneLine(path)
		}
	}
	switch {
	case len(trimmed) == 0:
		return "empty response body", oneLine(path)
	case looksLikeHTML(trimmed):
		if t := oneLine(htmlTitle(trimmed)); t != "" {
			return "HTML error page: " + t, oneLine(path)
		}
		return "HTML error page (probably from a proxy or load balancer)", oneLine(path)
	case json.Valid(trimmed):
		return "unrecognised JSON error body", oneLine(path)
	}
	return oneLine(string(trimmed)), oneLine(path)
}

func looksLikeHTML(b []byte) bool {
	head := b[:min(len(b), 512)]
	return bytes.HasPrefix(head, []byte("<")) && bytes.Contains(bytes.ToLower(head), []byte("html"))
}

// htmlTitle returns the text of an HTML page's <title> element, or "".
// (A regexp would do, but would add its package to every consumer binary.)
func htmlTitle(page []byte) string {
	lower := bytes.ToLower(page)
	start := bytes.Index(lower, []byte("<title"))
	if start < 0 {
		return ""
	}
	open := bytes.IndexByte(lower[start:], '>')
	if open < 0 {
		return ""
	}
	text := start + open + 1
	end := bytes.Index(lower[text:], []byte("</title>"))
	if end < 0 {
		return ""
	}
	return string(page[text : text+end])
}

// oneLine folds whitespace, escapes what a terminal would interpret
// (control characters, escape sequences, bidirectional overrides) and caps
// the length, so text taken from a server always prints as one harmless,
// readable line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if strings.IndexFunc(s, unsafeRune) >= 0 {
		var b strings.Builder
		for _, r := range s {
			if unsafeRune(r) {
				q := strconv.QuoteRuneToASCII(r) // such as ''
				b.WriteString(q[1 : len(q)-1])
				continue
			}
			b.WriteRune(r)
		}
		s = b.String()
	}
	const limit = 300
	if len(s) > limit {
		cut := limit
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// unsafeRune is true for runes that are not printable text: controls,
// format characters such as U+202E, and invalid UTF-8 (U+FFFD stays).
func unsafeRune(r rune) bool { return r != utf8.RuneError && !unicode.IsPrint(r) }

// redactURLError rewrites a *url.Error so that its text carries no query
// string (queries hold email addresses). It stays a *url.Error wrapping the
// same cause, so errors.Is and errors.As keep working.
func redactURLError(err error) error {
	ue, ok := err.(*url.Error)
	if !ok {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "[redacted]", Err: ue.Err}
	}
	if u.RawQuery != "" {
		u.RawQuery = "[redacted]"
	}
	u.User = nil
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}

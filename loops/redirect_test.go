package loops_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/loopsdev/loops-go/loops"
)

// recordingServer answers 200 {} (or answer) and keeps every request it gets.
type recordingServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
}

func newRecordingServer(t *testing.T, tls bool, answer http.HandlerFunc) *recordingServer {
	t.Helper()
	rs := &recordingServer{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.reqs = append(rs.reqs, r.Clone(r.Context()))
		rs.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"success":true}`)
	})
	if tls {
		rs.Server = httptest.NewTLSServer(h)
	} else {
		rs.Server = httptest.NewServer(h)
	}
	t.Cleanup(rs.Close)
	return rs
}

func (rs *recordingServer) requests() []*http.Request {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]*http.Request(nil), rs.reqs...)
}

// redirectTo answers every request with status and a Location at target,
// under /elsewhere, keeping the request's path and query.
func redirectTo(status int, target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", target+"/elsewhere"+r.URL.RequestURI())
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `<html><a href="`+target+r.URL.RequestURI()+`">moved</a></html>`)
	}
}

const secretKey = "sk-redirect-secret"

// wantRedirectRefused checks that err reports the redirect by status and
// target host, without the path, query or key, and that target never got
// a request.
func wantRedirectRefused(t *testing.T, err error, status int, target *recordingServer) {
	t.Helper()
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
		t.Fatalf("want a %d *APIError, got %v", status, err)
	}
	host := strings.TrimPrefix(strings.TrimPrefix(target.URL, "http://"), "https://")
	if msg := err.Error(); !strings.Contains(msg, host) || strings.Contains(msg, "example.com") || strings.Contains(msg, "/elsewhere") || strings.Contains(msg, secretKey) {
		t.Errorf("error %q: want the target host %s and nothing of the path, query or key", msg, host)
	}
	if n := len(target.requests()); n != 0 {
		t.Errorf("the redirect target got %d request(s)", n)
	}
	if apiErr.Attempts != 1 {
		t.Errorf("attempts = %d; a refused redirect is not retried", apiErr.Attempts)
	}
}

func redirectClient(t *testing.T, base string, hc *http.Client) *loops.Client {
	t.Helper()
	if hc == nil {
		hc = &http.Client{}
	}
	c, err := loops.NewClient(secretKey, loops.WithBaseURL(base), loops.WithHTTPClient(hc), loops.WithoutRateLimit())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// An https API answering 301 to http:// must not get the key sent in
// cleartext.
func TestRedirectToHTTPIsNotFollowed(t *testing.T) {
	plain := newRecordingServer(t, false, nil)
	api := newRecordingServer(t, true, redirectTo(http.StatusMovedPermanently, plain.URL))
	c := redirectClient(t, api.URL, api.Client())
	_, err := c.MailingLists.List(t.Context())
	wantRedirectRefused(t, err, http.StatusMovedPermanently, plain)
}

// A 302 to another port of the same host is another origin.
func TestRedirectToAnotherPortIsNotFollowed(t *testing.T) {
	other := newRecordingServer(t, false, nil)
	api := newRecordingServer(t, false, redirectTo(http.StatusFound, other.URL))
	c := redirectClient(t, api.URL, nil)
	_, err := c.Account.TestAPIKey(t.Context())
	wantRedirectRefused(t, err, http.StatusFound, other)
}

// A 307 from a send must not re-POST the body and Idempotency-Key
// elsewhere, nor report success; the same holds for a same-origin 307.
func TestRedirectOfASendIsNotFollowed(t *testing.T) {
	other := newRecordingServer(t, false, nil)
	api := newRecordingServer(t, false, redirectTo(http.StatusTemporaryRedirect, other.URL))
	c := redirectClient(t, api.URL, nil)
	err := c.Events.Send(t.Context(), &loops.EventRequest{Email: new("someone@example.com"), EventName: "signup"})
	wantRedirectRefused(t, err, http.StatusTemporaryRedirect, other)

	var api2 *recordingServer
	api2 = newRecordingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/events/send" {
			redirectTo(http.StatusTemporaryRedirect, api2.URL+"/moved")(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"success":true}`)
	})
	c = redirectClient(t, api2.URL, nil)
	err = c.Events.Send(t.Context(), &loops.EventRequest{Email: new("someone@example.com"), EventName: "signup"})
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTemporaryRedirect || len(api2.requests()) != 1 {
		t.Errorf("a same-origin 307 of a send: %v after %d requests; want the 307, after 1", err, len(api2.requests()))
	}
}

// A redirected Contacts.Find must not carry the email, in Referer, to
// another host; a same-origin redirect of a read is followed, without
// Referer, and keeps the key.
func TestRedirectOfAReadSendsNoReferer(t *testing.T) {
	other := newRecordingServer(t, false, nil)
	api := newRecordingServer(t, false, redirectTo(http.StatusFound, other.URL))
	c := redirectClient(t, api.URL, nil)
	_, err := c.Contacts.Find(t.Context(), loops.ByEmail("someone@example.com"))
	wantRedirectRefused(t, err, http.StatusFound, other)

	var same *recordingServer
	same = newRecordingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/moved") {
			redirectTo(http.StatusFound, same.URL+"/moved")(w, r)
			return
		}
		_, _ = io.WriteString(w, `[]`)
	})
	c = redirectClient(t, same.URL, nil)
	if _, err := c.Contacts.Find(t.Context(), loops.ByEmail("someone@example.com")); !errors.Is(err, loops.ErrNotFound) {
		t.Fatalf("same-origin redirect of a read: want it followed (and no contact found), got %v", err)
	}
	reqs := same.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the read and its redirect", len(reqs))
	}
	if ref := reqs[1].Header.Get("Referer"); ref != "" {
		t.Errorf("the followed redirect carried Referer %q", ref)
	}
	if reqs[1].Header.Get("Authorization") != "Bearer "+secretKey {
		t.Error("the same-origin redirect lost the key")
	}
}

// Storage answering the upload's PUT with a 302 fails the upload: the PUT
// is not turned into a GET that "succeeds", the presigned URL goes nowhere
// else, and nothing is completed.
func TestUploadRedirectFails(t *testing.T) {
	elsewhere := newRecordingServer(t, false, nil)
	storage := newRecordingServer(t, false, redirectTo(http.StatusFound, elsewhere.URL))
	var completed bool
	api := newRecordingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/uploads":
			_, _ = io.WriteString(w, `{"emailAssetId":"a1","presignedUrl":"`+storage.URL+`/bucket/a1?X-Amz-Signature=topsecret"}`)
		case strings.HasSuffix(r.URL.Path, "/complete"):
			completed = true
			_, _ = io.WriteString(w, `{"emailAssetId":"a1","finalUrl":"https://cdn.example/a1.gif"}`)
		}
	})
	hc := &http.Client{}
	c := redirectClient(t, api.URL, hc)
	img := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	_, err := c.Uploads.Upload(t.Context(), bytes.NewReader(img), "image/gif", int64(len(img)))
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Fatalf("want the storage 302 as an error, got %v", err)
	}
	u, _ := url.Parse(elsewhere.URL)
	if msg := err.Error(); !strings.Contains(msg, u.Host) || strings.Contains(msg, "topsecret") || strings.Contains(msg, "bucket") {
		t.Errorf("error %q: want the target host only", msg)
	}
	if completed || len(elsewhere.requests()) != 0 {
		t.Errorf("completed = %v, redirect target hit %d times; want neither", completed, len(elsewhere.requests()))
	}
	if hc.CheckRedirect != nil {
		t.Error("NewClient changed the caller's *http.Client")
	}
}

// The caller's own CheckRedirect still decides what the policy allows, on
// a client NewClient never modifies.
func TestRedirectPolicyKeepsTheCallersClient(t *testing.T) {
	var same *recordingServer
	same = newRecordingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/moved") {
			redirectTo(http.StatusFound, same.URL+"/moved")(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"success":true,"teamName":"t"}`)
	})
	var asked int
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { asked++; return http.ErrUseLastResponse }}
	before := hc.CheckRedirect
	c := redirectClient(t, same.URL, hc)
	_, err := c.Account.TestAPIKey(t.Context())
	var apiErr *loops.APIError
	if asked != 1 || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Errorf("asked the caller's policy %d times, got %v; want once, and its refusal", asked, err)
	}
	if reflect.ValueOf(hc.CheckRedirect).Pointer() != reflect.ValueOf(before).Pointer() || hc.Transport != nil {
		t.Error("NewClient changed the caller's *http.Client")
	}
}

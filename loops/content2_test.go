package loops_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// A theme update sends exactly the style keys the caller set, and the
// answer carries how many emails it restyled.
func TestThemeUpdateSendsOnlyTheKeysSet(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	th, err := c.Themes.Create(ctx, &loops.ThemeCreateRequest{Name: "Brand", Styles: &loops.ThemeStyles{ButtonBodyColor: new("#111111"), BackgroundColor: new("#ffffff")}})
	if err != nil {
		t.Fatal(err)
	}
	updated, err := c.Themes.Update(ctx, th.ID, &loops.ThemeUpdateRequest{Styles: &loops.ThemeStyles{ButtonBodyColor: new("#2563eb")}})
	if err != nil {
		t.Fatal(err)
	}
	wantWire(t, srv, "POST", "/v1/themes/"+th.ID, "", `{"styles":{"buttonBodyColor":"#2563eb"}}`)
	if updated.Styles.GetButtonBodyColor() != "#2563eb" || updated.Styles.GetBackgroundColor() != "#ffffff" || updated.AffectedEmailCount != 0 {
		t.Errorf("after a one-key update: %+v; want the other key kept and AffectedEmailCount typed", updated.Styles)
	}
	if _, err := c.Themes.Update(ctx, th.ID, &loops.ThemeUpdateRequest{}); !errors.Is(err, loops.ErrInvalidInput) {
		t.Errorf("an empty update: want a local error, got %v", err)
	}
}

// Components: LMX over 100 KB is refused locally; a change that would break
// emails is a 422 whose details list the invalid tags.
func TestComponentRules(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	if _, err := c.Components.Create(ctx, &loops.ComponentCreateRequest{Name: "Big", Lmx: strings.Repeat("a", 100<<10+1)}); !errors.Is(err, loops.ErrInvalidInput) || len(srv.Requests()) != 0 {
		t.Errorf("101 KB: want a local error and nothing sent, got %v", err)
	}
	id := srv.Seed("/v1/components", map[string]any{"name": "Greeting", "lmx": "<Paragraph>Hi {firstName}</Paragraph>", "_requiredTags": []string{"{firstName}"}})
	_, err := c.Components.Update(ctx, id, &loops.ComponentUpdateRequest{Lmx: new("<Paragraph>Hi</Paragraph>")})
	var apiErr *loops.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 {
		t.Fatalf("want 422, got %v", err)
	}
	if tags := apiErr.Details().InvalidTags; len(tags) != 1 || tags[0] != "{firstName}" {
		t.Errorf("InvalidTags = %v", tags)
	}
	if up, err := c.Components.Update(ctx, id, &loops.ComponentUpdateRequest{Lmx: new("<Paragraph>Hello {firstName}</Paragraph>")}); err != nil || up.Lmx == "" {
		t.Errorf("a compatible change: %v", err)
	}
}

// Event-pattern names reach the fake as one segment, intact.
func TestEventPatternNamesAreEscaped(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	for _, name := range []string{"order/paid", "plan upgraded", "a+b", "100%", "café ☕", "..x"} {
		srv.Seed("/v1/event-patterns", map[string]any{"eventName": name, "eventProperties": []any{}})
		got, err := c.EventPatterns.GetByName(ctx, name)
		if err != nil || got.EventName != name {
			t.Errorf("%q: got %+v, %v", name, got, err)
			continue
		}
		if r := lastRequest(t, srv); strings.Count(strings.TrimPrefix(r.Path, "/api/v1/event-patterns/by-name/"), "/") != 0 {
			t.Errorf("%q was not one path segment: %s", name, r.Path)
		}
	}
	wantWire(t, srv, "GET", "/v1/event-patterns/by-name/..x", "", "")
}

// storageRequests are the PUTs that reached the fake's storage.
func storageRequests(srv *loopstest.Server) []loopstest.Request {
	var out []loopstest.Request
	for _, r := range srv.Requests() {
		if r.Route == "PUT /storage" {
			out = append(out, r)
		}
	}
	return out
}

func completions(srv *loopstest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Route, "/complete") {
			n++
		}
	}
	return n
}

// onlyReader hides every interface but io.Reader (no Seek).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestUploadHelper(t *testing.T) {
	ctx := context.Background()
	img := pngBytes(3000)

	t.Run("success: the bytes reach storage without the API key", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		done, err := c.Uploads.Upload(ctx, bytes.NewReader(img), "image/png", int64(len(img)))
		if err != nil || done.FinalURL == "" || done.EmailAssetID == "" {
			t.Fatalf("Upload: %+v, %v", done, err)
		}
		puts := storageRequests(srv)
		if len(puts) != 1 || !bytes.Equal(puts[0].Body, img) {
			t.Fatalf("storage got %d PUTs", len(puts))
		}
		if h := puts[0].Header; h.Get("Authorization") != "" || h.Get("Content-Type") != "image/png" || h.Get("Content-Length") != "3000" {
			t.Errorf("storage headers %v: want no Authorization, the declared type and length", h)
		}
		for _, v := range puts[0].Header {
			for _, s := range v {
				if strings.Contains(s, srv.APIKey()) {
					t.Errorf("the API key reached storage in a header: %v", puts[0].Header)
				}
			}
		}
	})

	t.Run("a 503 on the PUT is retried", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		srv.Inject("PUT /storage", loopstest.Status(503))
		c := newClient(t, srv)
		if _, err := c.Uploads.Upload(ctx, onlyReader{bytes.NewReader(img)}, "image/png", int64(len(img))); err != nil {
			t.Fatalf("a small reader is buffered, so the PUT is retried: %v", err)
		}
		if n := len(storageRequests(srv)); n != 2 {
			t.Errorf("%d PUTs, want 2", n)
		}
	})

	t.Run("a reader that cannot be replayed is not retried, and nothing is completed", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		srv.Inject("PUT /storage", loopstest.DropConnection())
		c := newClient(t, srv)
		big := pngBytes(2 << 20) // over the 1 MiB the helper buffers
		_, err := c.Uploads.Upload(ctx, onlyReader{bytes.NewReader(big)}, "image/png", int64(len(big)))
		if err == nil || !strings.Contains(err.Error(), "storing the bytes") {
			t.Fatalf("want a clear storage error, got %v", err)
		}
		if strings.Contains(err.Error(), "Signature") {
			t.Errorf("the presigned URL's signature leaked into the error: %q", err)
		}
		if n := len(storageRequests(srv)); n != 1 {
			t.Errorf("%d PUTs, want 1", n)
		}
		if n := completions(srv); n != 0 {
			t.Errorf("%d completions after a failed PUT", n)
		}
	})

	t.Run("a wrong size is refused, never truncated", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		for name, r := range map[string]io.Reader{"seekable": bytes.NewReader(img), "buffered": onlyReader{bytes.NewReader(img)}} {
			for _, size := range []int64{int64(len(img)) - 1, int64(len(img)) + 1} {
				if _, err := c.Uploads.Upload(ctx, r, "image/png", size); !errors.Is(err, loops.ErrInvalidInput) {
					t.Errorf("%s reader, size %d: want a local error, got %v", name, size, err)
				}
				if seeker, ok := r.(io.Seeker); ok {
					_, _ = seeker.Seek(0, io.SeekStart)
				}
			}
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent for wrong sizes", n)
		}
		big := pngBytes(2 << 20)
		_, err := c.Uploads.Upload(ctx, onlyReader{bytes.NewReader(big)}, "image/png", int64(len(big))+10)
		if err == nil || completions(srv) != 0 {
			t.Errorf("a streamed reader shorter than declared: want an error and no completion, got %v", err)
		}
	})

	t.Run("a wrong type or size is refused before anything is sent", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		for _, tc := range []struct {
			typ  string
			size int64
		}{{"image/svg+xml", 10}, {"text/plain", 10}, {"image/png", 0}, {"image/png", -1}, {"image/png", 4_000_001}} {
			if _, err := c.Uploads.Upload(ctx, bytes.NewReader(nil), tc.typ, tc.size); !errors.Is(err, loops.ErrInvalidInput) {
				t.Errorf("%s, %d bytes: want a local error, got %v", tc.typ, tc.size, err)
			}
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})

	t.Run("ctx cancelled mid-upload", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		srv := loopstest.NewServer(t, loopstest.WithRequestHook(func(r loopstest.Request) {
			if r.Route == "PUT /storage" {
				cancel()
			}
		}))
		srv.Inject("PUT /storage", loopstest.Hang())
		c := newClient(t, srv)
		if _, err := c.Uploads.Upload(ctx, bytes.NewReader(img), "image/png", int64(len(img))); !errors.Is(err, context.Canceled) {
			t.Errorf("want context.Canceled, got %v", err)
		}
		if completions(srv) != 0 {
			t.Error("completed a cancelled upload")
		}
	})

	t.Run("the upload limit is typed", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv, loops.WithMaxRetries(0))
		up, err := c.Uploads.Create(ctx, &loops.UploadCreateRequest{ContentType: loops.UploadContentTypeImageGif, ContentLength: 10})
		if err != nil {
			t.Fatal(err)
		}
		srv.Inject("POST /v1/uploads/"+up.EmailAssetID+"/complete", loopstest.Reply(429, `{"message":"Upload limit exceeded","maxUploads":50,"windowHours":24}`))
		_, err = c.Uploads.Complete(ctx, up.EmailAssetID)
		var apiErr *loops.APIError
		if !errors.As(err, &apiErr) || !errors.Is(err, loops.ErrRateLimited) {
			t.Fatalf("want a 429 APIError, got %v", err)
		}
		if d := apiErr.Details(); d.GetMaxUploads() != 50 || d.GetWindowHours() != 24 {
			t.Errorf("details %+v", d)
		}
	})

	t.Run("UploadFile sniffs the type and refuses what is not an image", func(t *testing.T) {
		srv := loopstest.NewServer(t)
		c := newClient(t, srv)
		dir := t.TempDir()
		png, txt := filepath.Join(dir, "logo.png"), filepath.Join(dir, "notes.png")
		_ = os.WriteFile(png, img, 0o600)
		_ = os.WriteFile(txt, []byte("just text, whatever the name says"), 0o600)
		if _, err := c.Uploads.UploadFile(ctx, png); err != nil {
			t.Errorf("a PNG file: %v", err)
		}
		before := len(srv.Requests())
		if _, err := c.Uploads.UploadFile(ctx, txt); !errors.Is(err, loops.ErrInvalidInput) || len(srv.Requests()) != before {
			t.Errorf("a text file: want a local error and nothing sent, got %v", err)
		}
	})
}

// The storage PUT is bounded by its own timeout, not the per-attempt one.
func TestUploadTimeout(t *testing.T) {
	img := pngBytes(100)
	run := func(t *testing.T, uploadTimeout time.Duration) error {
		srv := loopstest.NewServer(t, loopstest.WithoutListener())
		srv.Inject("PUT /storage", loopstest.Slow(45*time.Second))
		c, err := loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL()), loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}),
			loops.WithoutRateLimit(), loops.WithAttemptTimeout(30*time.Second), loops.WithUploadTimeout(uploadTimeout), loops.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Uploads.Upload(context.Background(), bytes.NewReader(img), "image/png", int64(len(img)))
		return err
	}
	synctest.Test(t, func(t *testing.T) {
		if err := run(t, time.Minute); err != nil {
			t.Errorf("a 45 s PUT within a 1 min upload timeout (attempt timeout 30 s): %v", err)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		if err := run(t, 10*time.Second); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a 45 s PUT with a 10 s upload timeout: want a deadline error, got %v", err)
		}
	})
}

// The wire shapes of the remaining content-API part 2 calls.
func TestContent2Wire(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	up, err := c.Uploads.Create(ctx, &loops.UploadCreateRequest{ContentType: loops.UploadContentTypeImageWebp, ContentLength: 1234})
	if err != nil {
		t.Fatal(err)
	}
	wantWire(t, srv, "POST", "/v1/uploads", "", `{"contentType":"image/webp","contentLength":1234}`)
	if _, err := c.Uploads.Complete(ctx, up.EmailAssetID); !errors.Is(err, loops.ErrBadRequest) {
		t.Errorf("completing before the bytes are stored: want ErrBadRequest, got %v", err)
	}
	wantWire(t, srv, "POST", "/v1/uploads/"+up.EmailAssetID+"/complete", "", "")
	cp, err := c.Components.Create(ctx, &loops.ComponentCreateRequest{Name: "Footer", Lmx: "<Paragraph>x</Paragraph>"})
	if err != nil {
		t.Fatal(err)
	}
	wantWire(t, srv, "POST", "/v1/components", "", `{"name":"Footer","lmx":"<Paragraph>x</Paragraph>"}`)
	if _, err := c.Components.Update(ctx, cp.ID, &loops.ComponentUpdateRequest{Name: new("Foot")}); err != nil {
		t.Fatal(err)
	}
	wantWire(t, srv, "POST", "/v1/components/"+cp.ID, "", `{"name":"Foot"}`)
	for _, list := range []func() error{
		func() error { return ok(c.Themes.List(ctx, &loops.ListOptions{PerPage: 25})) },
		func() error { return ok(c.Components.List(ctx, &loops.ListOptions{PerPage: 25})) },
		func() error { return ok(c.EventPatterns.List(ctx, &loops.ListOptions{PerPage: 25})) },
	} {
		if err := list(); err != nil {
			t.Fatal(err)
		}
		if r := lastRequest(t, srv); r.Query.Encode() != "perPage=25" {
			t.Errorf("%s: query %q", r.Path, r.Query.Encode())
		}
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %q", v)
	}
}

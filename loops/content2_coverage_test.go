package loops_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

func init() { maps.Copy(operationMethods, content2Methods) }

// pngBytes is the smallest prefix http.DetectContentType calls image/png,
// padded to a size.
func pngBytes(size int) []byte {
	b := make([]byte, size)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

// content2Methods covers the content API, part 2.
var content2Methods = map[string]operationCall{
	"listThemes": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.Themes.List(ctx, nil))
	},
	"createTheme": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.Themes.Create(ctx, &loops.ThemeCreateRequest{Name: "Brand"}))
	},
	"getTheme": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		th, err := c.Themes.Create(ctx, &loops.ThemeCreateRequest{Name: "Brand"})
		if err != nil {
			return err
		}
		return ok(c.Themes.Get(ctx, th.ID))
	},
	"updateTheme": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		th, err := c.Themes.Create(ctx, &loops.ThemeCreateRequest{Name: "Brand"})
		if err != nil {
			return err
		}
		return ok(c.Themes.Update(ctx, th.ID, &loops.ThemeUpdateRequest{Styles: &loops.ThemeStyles{ButtonBodyColor: new("#2563eb")}}))
	},
	"listComponents": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.Components.List(ctx, nil))
	},
	"createComponent": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.Components.Create(ctx, &loops.ComponentCreateRequest{Name: "Footer", Lmx: "<Paragraph>Bye</Paragraph>"}))
	},
	"getComponent": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		cp, err := c.Components.Create(ctx, &loops.ComponentCreateRequest{Name: "Footer", Lmx: "<Paragraph>Bye</Paragraph>"})
		if err != nil {
			return err
		}
		return ok(c.Components.Get(ctx, cp.ID))
	},
	"updateComponent": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		cp, err := c.Components.Create(ctx, &loops.ComponentCreateRequest{Name: "Footer", Lmx: "<Paragraph>Bye</Paragraph>"})
		if err != nil {
			return err
		}
		return ok(c.Components.Update(ctx, cp.ID, &loops.ComponentUpdateRequest{Lmx: new("<Paragraph>See you</Paragraph>")}))
	},
	"createUpload": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.Uploads.Create(ctx, &loops.UploadCreateRequest{ContentType: loops.UploadContentTypeImagePng, ContentLength: 64}))
	},
	"completeUpload": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		done, err := c.Uploads.Upload(ctx, bytes.NewReader(pngBytes(64)), "image/png", 64)
		if err == nil && done.FinalURL == "" {
			return fmt.Errorf("no final URL")
		}
		return err
	},
	"listEventPatterns": func(ctx context.Context, c *loops.Client, srv *loopstest.Server) error {
		srv.Seed("/v1/event-patterns", map[string]any{"eventName": "signup", "eventProperties": []any{}})
		page, err := c.EventPatterns.List(ctx, nil)
		if err == nil && len(page.Items()) != 1 {
			return fmt.Errorf("listed %d", len(page.Items()))
		}
		return err
	},
	"getEventPattern": func(ctx context.Context, c *loops.Client, srv *loopstest.Server) error {
		id := srv.Seed("/v1/event-patterns", map[string]any{"eventName": "signup", "eventProperties": []any{}})
		return ok(c.EventPatterns.Get(ctx, id))
	},
	"getEventPatternByName": func(ctx context.Context, c *loops.Client, srv *loopstest.Server) error {
		srv.Seed("/v1/event-patterns", map[string]any{"eventName": "invoice.paid", "eventProperties": []any{}})
		return ok(c.EventPatterns.GetByName(ctx, "invoice.paid"))
	},
}

package loops

import (
	"context"
	"iter"
)

// ThemesService manages email themes: /v1/themes.
type ThemesService service

// List returns one page of themes.
func (s *ThemesService) List(ctx context.Context, lo *ListOptions, opts ...CallOption) (*ThemeList, error) {
	return s.client.listThemes(ctx, "Themes.List", opts, lo)
}

// ListIter ranges over every theme; opts apply to every page.
func (s *ThemesService) ListIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[Theme, error] {
	return paginate[Theme](ctx, lo, opts, s.List)
}

// Get returns one theme.
func (s *ThemesService) Get(ctx context.Context, themeID string, opts ...CallOption) (*Theme, error) {
	return s.client.getTheme(ctx, "Themes.Get", opts, themeID)
}

// Create makes a theme.
func (s *ThemesService) Create(ctx context.Context, req *ThemeCreateRequest, opts ...CallOption) (*Theme, error) {
	return s.client.createTheme(ctx, "Themes.Create", opts, req)
}

// Update changes the theme's name or the style keys you set, and only
// those: every style is a pointer, and nil ones are not sent, so the
// restyle that reaches every email using the theme (AffectedEmailCount in
// the answer) touches nothing else.
func (s *ThemesService) Update(ctx context.Context, themeID string, req *ThemeUpdateRequest, opts ...CallOption) (*ThemeUpdate, error) {
	return s.client.updateTheme(ctx, "Themes.Update", opts, themeID, req)
}

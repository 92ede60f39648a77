package loops

import (
	"context"
	"net/http"
)

// APIKeyService checks API keys: /v1/api-key.
type APIKeyService service

// Test checks the client's API key and returns the name of its team. A bad
// key gives an error matching [ErrUnauthorized].
func (s *APIKeyService) Test(ctx context.Context, opts ...CallOption) (*APIKeyResponse, error) {
	return call[APIKeyResponse](ctx, s.client, "APIKey.Test", opts, func(ctx context.Context) (*http.Response, error) {
		return s.client.gen.TestAPIKey(ctx)
	})
}

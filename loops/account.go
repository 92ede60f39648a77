package loops

import "context"

// AccountService is about the team the API key belongs to: /v1/api-key.
type AccountService service

// TestAPIKey checks the client's API key and returns the name of its team.
// A bad key gives an error matching [ErrUnauthorized].
func (s *AccountService) TestAPIKey(ctx context.Context, opts ...CallOption) (*APIKeyResponse, error) {
	return s.client.testAPIKey(ctx, "Account.TestAPIKey", opts)
}

package loops

import (
	"context"
	"net/http"
)

// MailingListsService lists mailing lists: /v1/lists.
type MailingListsService service

// List returns every mailing list of the team (the list is not paginated).
func (s *MailingListsService) List(ctx context.Context, opts ...CallOption) ([]MailingList, error) {
	return callList[MailingList](ctx, s.client, "MailingLists.List", opts, func(ctx context.Context) (*http.Response, error) {
		return s.client.gen.ListMailingLists(ctx)
	})
}

package loops

import "context"

// MailingListsService lists mailing lists: /v1/lists.
type MailingListsService service

// List returns every mailing list of the team (the list is not paginated).
func (s *MailingListsService) List(ctx context.Context, opts ...CallOption) ([]MailingList, error) {
	return s.client.listMailingLists(ctx, "MailingLists.List", opts)
}

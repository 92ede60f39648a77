package loops

import (
	"context"
	"iter"
)

// TransactionalService sends transactional email and manages the
// templates: /v1/transactional and /v1/transactional-emails.
type TransactionalService service

// Send sends a published transactional email to one address.
// DataVariables fill the template; Attachments need to be enabled for the
// team by Loops support.
//
// Like [EventsService.Send], every send carries an Idempotency-Key and is
// retried without risk of a second email.
func (s *TransactionalService) Send(ctx context.Context, req *TransactionalRequest, opts ...CallOption) error {
	const op = "Transactional.Send"
	if req != nil {
		if err := checkDataVariables(op, req.DataVariables); err != nil {
			return err
		}
	}
	return s.client.sendTransactionalEmail(ctx, op, opts, req)
}

// ListPublished returns one page of published transactional emails, newest
// first; [TransactionalService.ListPublishedIter] follows the pages for
// you. (Loops has deprecated this endpoint, but still serves it.)
func (s *TransactionalService) ListPublished(ctx context.Context, lo *ListOptions, opts ...CallOption) (*PublishedTransactionalEmailList, error) {
	return s.client.listPublishedTransactionalEmails(ctx, "Transactional.ListPublished", opts, lo)
}

// ListPublishedIter ranges over every published transactional email,
// fetching pages as the loop needs them; opts apply to every page.
func (s *TransactionalService) ListPublishedIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[PublishedTransactionalEmail, error] {
	return paginate[PublishedTransactionalEmail](ctx, lo, opts, s.ListPublished)
}

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

// List returns one page of the team's transactional emails, drafts
// included, newest first.
func (s *TransactionalService) List(ctx context.Context, lo *ListOptions, opts ...CallOption) (*TransactionalEmailList, error) {
	return s.client.listTransactionalEmails(ctx, "Transactional.List", opts, lo)
}

// ListIter ranges over every transactional email; opts apply to every page.
func (s *TransactionalService) ListIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[TransactionalEmail, error] {
	return paginate[TransactionalEmail](ctx, lo, opts, s.List)
}

// Create makes a transactional email with an empty draft; edit the draft's
// message with [EmailMessagesService.Update], then [TransactionalService.Publish].
func (s *TransactionalService) Create(ctx context.Context, req *TransactionalEmailCreateRequest, opts ...CallOption) (*TransactionalEmailDraft, error) {
	return s.client.createTransactionalEmail(ctx, "Transactional.Create", opts, req)
}

// Get returns one transactional email.
func (s *TransactionalService) Get(ctx context.Context, transactionalID string, opts ...CallOption) (*TransactionalEmail, error) {
	return s.client.getTransactionalEmail(ctx, "Transactional.Get", opts, transactionalID)
}

// Update renames a transactional email or moves it to another group.
func (s *TransactionalService) Update(ctx context.Context, transactionalID string, req *TransactionalEmailUpdateRequest, opts ...CallOption) (*TransactionalEmail, error) {
	return s.client.updateTransactionalEmail(ctx, "Transactional.Update", opts, transactionalID, req)
}

// EnsureDraft makes sure the email has a draft (a copy of the published
// version when it had none) and returns it with the draft's revision.
func (s *TransactionalService) EnsureDraft(ctx context.Context, transactionalID string, opts ...CallOption) (*TransactionalEmailDraft, error) {
	return s.client.ensureTransactionalDraft(ctx, "Transactional.EnsureDraft", opts, transactionalID)
}

// Publish makes the draft the version that sends. No draft is an error
// matching [ErrConflict]; a draft that fails Loops' checks, 422.
func (s *TransactionalService) Publish(ctx context.Context, transactionalID string, opts ...CallOption) (*TransactionalEmail, error) {
	return s.client.publishTransactionalEmail(ctx, "Transactional.Publish", opts, transactionalID)
}

// Metrics returns the email's sends, deliveries and complaints over every
// published version (the metrics API must be enabled for the team).
func (s *TransactionalService) Metrics(ctx context.Context, transactionalID string, opts ...CallOption) (*TransactionalMetrics, error) {
	return s.client.getTransactionalEmailMetrics(ctx, "Transactional.Metrics", opts, transactionalID)
}

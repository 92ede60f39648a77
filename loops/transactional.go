package loops

import (
	"context"
	"iter"
	"net/http"

	"github.com/loopsdev/loops-go/gen"
)

// TransactionalService sends transactional email and lists the published
// templates: /v1/transactional.
type TransactionalService service

// Send sends a published transactional email to one address.
// DataVariables fill the template; Attachments need to be enabled for the
// team by Loops support.
//
// Like [EventsService.Send], every send carries an Idempotency-Key and is
// retried without risk of a second email.
func (s *TransactionalService) Send(ctx context.Context, req *TransactionalRequest, opts ...CallOption) (*SuccessResponse, error) {
	const op = "Transactional.Send"
	if req == nil {
		return nil, invalid(op, "request", "is nil")
	}
	if err := firstError(
		checkRequired(op, "transactionalId", req.TransactionalID),
		checkRequired(op, "email", req.Email),
		checkDataVariables(op, req.DataVariables),
		checkAttachments(op, req.Attachments),
	); err != nil {
		return nil, err
	}
	return call[SuccessResponse](ctx, s.client, op, opts, func(ctx context.Context) (*http.Response, error) {
		return s.client.gen.SendTransactionalEmail(ctx, nil, *req)
	})
}

// ListPublished returns one page of published transactional emails, newest
// first. Pass the previous page's Pagination.NextCursor as opts.Cursor to
// continue; [TransactionalService.ListPublishedIter] does that for you.
// (Loops has deprecated this endpoint, but still serves it.)
func (s *TransactionalService) ListPublished(ctx context.Context, opts *ListOptions, callOpts ...CallOption) (*TransactionalEmailList, error) {
	const op = "Transactional.ListPublished"
	params, err := opts.params(op)
	if err != nil {
		return nil, err
	}
	return call[TransactionalEmailList](ctx, s.client, op, callOpts, func(ctx context.Context) (*http.Response, error) {
		return s.client.gen.ListPublishedTransactionalEmails(ctx, &gen.ListPublishedTransactionalEmailsParams{PerPage: params.perPage, Cursor: params.cursor})
	})
}

// ListPublishedIter ranges over every published transactional email,
// fetching pages as the loop needs them. callOpts apply to every page.
func (s *TransactionalService) ListPublishedIter(ctx context.Context, opts *ListOptions, callOpts ...CallOption) iter.Seq2[TransactionalEmail, error] {
	return paginate(ctx, opts, func(ctx context.Context, o *ListOptions) ([]TransactionalEmail, string, error) {
		page, err := s.ListPublished(ctx, o, callOpts...)
		if err != nil {
			return nil, "", err
		}
		return page.Data, page.Pagination.NextCursor, nil
	})
}

func checkAttachments(op string, atts []Attachment) error {
	for _, a := range atts {
		if a.Filename == "" {
			return invalid(op, "attachments.filename", "is required")
		}
		if a.ContentType == "" {
			return invalid(op, "attachments.contentType", "is required for "+quote(a.Filename))
		}
	}
	return nil
}

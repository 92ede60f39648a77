package loops

import "context"

// EmailMessagesService edits the content behind campaigns and transactional
// emails: /v1/email-messages.
type EmailMessagesService service

// Get returns an email message; its ContentRevisionID goes into the next
// update as ExpectedRevisionID.
func (s *EmailMessagesService) Get(ctx context.Context, emailMessageID string, opts ...CallOption) (*EmailMessage, error) {
	return s.client.getEmailMessage(ctx, "EmailMessages.Get", opts, emailMessageID)
}

// Update changes the fields you set and keeps the rest. A stale
// ExpectedRevisionID is an error matching [ErrRevisionConflict]: re-read
// and apply your change again.
func (s *EmailMessagesService) Update(ctx context.Context, emailMessageID string, req *EmailMessageUpdateRequest, opts ...CallOption) (*EmailMessage, error) {
	if err := checkLMX("EmailMessages.Update", req.GetLmx()); err != nil {
		return nil, err
	}
	return s.client.updateEmailMessage(ctx, "EmailMessages.Update", opts, emailMessageID, req)
}

// Preview sends a test of the message to the given addresses (a daily
// limit applies: [ErrRateLimited]).
func (s *EmailMessagesService) Preview(ctx context.Context, emailMessageID string, req *EmailMessagePreviewRequest, opts ...CallOption) (*EmailMessagePreview, error) {
	return s.client.previewEmailMessage(ctx, "EmailMessages.Preview", opts, emailMessageID, req)
}

// Guardian runs Loops' content checks on the message.
func (s *EmailMessagesService) Guardian(ctx context.Context, emailMessageID string, opts ...CallOption) (*GuardianReport, error) {
	return s.client.getEmailMessageGuardian(ctx, "EmailMessages.Guardian", opts, emailMessageID)
}

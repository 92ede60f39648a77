package loops_test

import (
	"context"
	"fmt"
	"maps"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

func init() { maps.Copy(operationMethods, contentMethods) }

// ok discards a call's answer, keeping its error.
func ok[T any](_ T, err error) error { return err }

// seedDraftTemplate creates a transactional email with a subject on its
// draft, ready to publish.
func seedDraftTemplate(ctx context.Context, c *loops.Client) (*loops.TransactionalEmailDraft, error) {
	tx, err := c.Transactional.Create(ctx, &loops.TransactionalEmailCreateRequest{Name: "Receipt"})
	if err != nil {
		return nil, err
	}
	_, err = c.EmailMessages.Update(ctx, tx.GetDraftEmailMessageID(), &loops.EmailMessageUpdateRequest{
		ExpectedRevisionID: tx.DraftEmailMessageContentRevisionID,
		Subject:            new("Your receipt"),
	})
	return tx, err
}

// contentMethods covers the content API, part 1.
var contentMethods = map[string]operationCall{
	"listTransactionalEmails": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		if _, err := seedDraftTemplate(ctx, c); err != nil {
			return err
		}
		page, err := c.Transactional.List(ctx, nil)
		if err == nil && len(page.Items()) != 2 { // the server's "welcome" template, and the new draft
			return fmt.Errorf("listed %d", len(page.Items()))
		}
		return err
	},
	"createTransactionalEmail": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.Transactional.Create(ctx, &loops.TransactionalEmailCreateRequest{Name: "Receipt"}))
	},
	"getTransactionalEmail": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		tx, err := seedDraftTemplate(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.Transactional.Get(ctx, tx.ID))
	},
	"updateTransactionalEmail": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		tx, err := seedDraftTemplate(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.Transactional.Update(ctx, tx.ID, &loops.TransactionalEmailUpdateRequest{Name: new("Receipt v2")}))
	},
	"ensureTransactionalDraft": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		tx, err := seedDraftTemplate(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.Transactional.EnsureDraft(ctx, tx.ID))
	},
	"publishTransactionalEmail": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		tx, err := seedDraftTemplate(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.Transactional.Publish(ctx, tx.ID))
	},
	"getTransactionalEmailMetrics": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		tx, err := seedDraftTemplate(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.Transactional.Metrics(ctx, tx.ID))
	},
	"listTransactionalGroups": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.TransactionalGroups.List(ctx, &loops.ListOptions{PerPage: 10}))
	},
	"createTransactionalGroup": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.TransactionalGroups.Create(ctx, &loops.GroupCreateRequest{Name: "Billing"}))
	},
	"getTransactionalGroup": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		g, err := c.TransactionalGroups.Create(ctx, &loops.GroupCreateRequest{Name: "Billing"})
		if err != nil {
			return err
		}
		return ok(c.TransactionalGroups.Get(ctx, g.ID))
	},
	"updateTransactionalGroup": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		g, err := c.TransactionalGroups.Create(ctx, &loops.GroupCreateRequest{Name: "Billing"})
		if err != nil {
			return err
		}
		return ok(c.TransactionalGroups.Update(ctx, g.ID, &loops.GroupUpdateRequest{Description: new("Invoices and receipts")}))
	},
	"listCampaignGroups": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.CampaignGroups.List(ctx, nil))
	},
	"createCampaignGroup": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.CampaignGroups.Create(ctx, &loops.GroupCreateRequest{Name: "Newsletters"}))
	},
	"getCampaignGroup": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		g, err := c.CampaignGroups.Create(ctx, &loops.GroupCreateRequest{Name: "Newsletters"})
		if err != nil {
			return err
		}
		return ok(c.CampaignGroups.Get(ctx, g.ID))
	},
	"updateCampaignGroup": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		g, err := c.CampaignGroups.Create(ctx, &loops.GroupCreateRequest{Name: "Newsletters"})
		if err != nil {
			return err
		}
		return ok(c.CampaignGroups.Update(ctx, g.ID, &loops.GroupUpdateRequest{Name: new("Monthly")}))
	},
	"listCampaigns": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.Campaigns.List(ctx, nil))
	},
	"createCampaign": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"}))
	},
	"getCampaign": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"})
		if err != nil {
			return err
		}
		return ok(c.Campaigns.Get(ctx, cmp.ID))
	},
	"updateCampaign": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"})
		if err != nil {
			return err
		}
		return ok(c.Campaigns.Update(ctx, cmp.ID, &loops.CampaignUpdateRequest{AudienceFilter: loops.Value(*loops.MatchAll(loops.Property("planName").Equals("pro")))}))
	},
	"getCampaignMetrics": func(ctx context.Context, c *loops.Client, srv *loopstest.Server) error {
		id := srv.Seed("/v1/campaigns", map[string]any{"name": "Sent one", "status": "Sent"})
		return ok(c.Campaigns.Metrics(ctx, id))
	},
	"getEmailMessage": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"})
		if err != nil {
			return err
		}
		return ok(c.EmailMessages.Get(ctx, cmp.GetEmailMessageID()))
	},
	"updateEmailMessage": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"})
		if err != nil {
			return err
		}
		return ok(c.EmailMessages.Update(ctx, cmp.GetEmailMessageID(), &loops.EmailMessageUpdateRequest{
			ExpectedRevisionID: cmp.EmailMessageContentRevisionID, Lmx: new("<Paragraph>Hello</Paragraph>"),
		}))
	},
	"previewEmailMessage": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"})
		if err != nil {
			return err
		}
		return ok(c.EmailMessages.Preview(ctx, cmp.GetEmailMessageID(), &loops.EmailMessagePreviewRequest{Emails: []string{coverageEmail}}))
	},
	"getEmailMessageGuardian": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"})
		if err != nil {
			return err
		}
		return ok(c.EmailMessages.Guardian(ctx, cmp.GetEmailMessageID()))
	},
	"listAudienceSegments": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.AudienceSegments.List(ctx, nil))
	},
	"createAudienceSegment": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		return ok(c.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{Name: "Pro", Filter: *loops.MatchAll(loops.Property("planName").Equals("pro"))}))
	},
	"getAudienceSegment": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		seg, err := c.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{Name: "Pro", Filter: *loops.MatchAll(loops.OptIn(loops.OptInStatusAccepted))})
		if err != nil {
			return err
		}
		return ok(c.AudienceSegments.Get(ctx, seg.ID))
	},
}

package main

import (
	"bytes"
	"context"
	"fmt"

	"github.com/loopsdev/loops-go/loops"
)

// The content API steps: templates, campaigns and their email messages.

func (t *tour) contentSteps() []step {
	return []step{
		{"Content API: create a transactional email, edit its draft, publish it and send it", t.publishAndSend},
		{"Content API: read the email's metrics (zeros until Loops has data; seeded here)", t.readMetrics},
		{"Content API: a campaign aimed at a typed audience filter", t.filteredCampaign},
		{"Content API: upload an image in one call, then use its URL in a component", t.uploadImage},
	}
}

func (t *tour) publishAndSend(ctx context.Context) error {
	tx, err := t.client.Transactional.Create(ctx, &loops.TransactionalEmailCreateRequest{Name: "Order shipped"})
	if err != nil {
		return err
	}
	t.say("   created %s with draft message %s (revision %s)", tx.ID, tx.GetDraftEmailMessageID(), tx.GetDraftEmailMessageContentRevisionID())
	msg, err := t.client.EmailMessages.Update(ctx, tx.GetDraftEmailMessageID(), &loops.EmailMessageUpdateRequest{
		ExpectedRevisionID: tx.DraftEmailMessageContentRevisionID, // a stale one would be ErrRevisionConflict
		Subject:            new("Your order is on its way"),
		Lmx:                new("<Paragraph>It ships today.</Paragraph>"),
	})
	if err != nil {
		return err
	}
	t.say("   edited the draft: subject %q, now at revision %s", msg.Subject, msg.GetContentRevisionID())
	pub, err := t.client.Transactional.Publish(ctx, tx.ID)
	if err != nil {
		return err
	}
	t.say("   published: message %s sends from now on", pub.GetPublishedEmailMessageID())
	if err := t.client.Transactional.Send(ctx, &loops.TransactionalRequest{TransactionalID: tx.ID, Email: tourEmail}); err != nil {
		return err
	}
	t.templateID = tx.ID
	t.say("   sent it to %s", tourEmail)
	return nil
}

func (t *tour) readMetrics(ctx context.Context) error {
	t.fake.SetReport("/v1/transactional-emails/"+t.templateID+"/metrics", loops.TransactionalMetrics{Sends: 1, Deliveries: 1})
	m, err := t.client.Transactional.Metrics(ctx, t.templateID)
	if err != nil {
		return err
	}
	t.say("   sends %d, deliveries %d, hard bounces %d", m.Sends, m.Deliveries, m.HardBounces)
	return nil
}

func (t *tour) filteredCampaign(ctx context.Context) error {
	filter := loops.MatchAll(loops.Property("planName").Equals("pro"), loops.OptIn(loops.OptInStatusAccepted))
	cmp, err := t.client.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Pro plan news", AudienceFilter: filter})
	if err != nil {
		return err
	}
	got, err := t.client.Campaigns.Get(ctx, cmp.ID)
	if err != nil {
		return err
	}
	for _, cond := range got.GetAudienceFilter().Conditions {
		v, err := cond.ValueByDiscriminator()
		if err != nil {
			return err
		}
		t.say("   condition: %s", describeCondition(v))
	}
	t.say("   campaign %s is %s; open it in the Loops app at %s", got.ID, got.Status, got.URL)
	return nil
}

func describeCondition(v any) string {
	switch c := v.(type) {
	case loops.PropertyCondition:
		raw, _ := c.Value.MarshalJSON()
		return fmt.Sprintf("property %s %s %s", c.Key, c.Operator, raw)
	case loops.OptInCondition:
		return fmt.Sprintf("opt-in status %s", c.GetStatus())
	}
	return fmt.Sprintf("%T", v)
}

func (t *tour) uploadImage(ctx context.Context) error {
	img := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 120)...) // a PNG header is enough for the fake
	done, err := t.client.Uploads.Upload(ctx, bytes.NewReader(img), "image/png", int64(len(img)))
	if err != nil {
		return err
	}
	t.say("   created, stored (no API key sent to storage) and completed: %s", done.FinalURL)
	cp, err := t.client.Components.Create(ctx, &loops.ComponentCreateRequest{
		Name: "Logo header",
		Lmx:  fmt.Sprintf(`<Image src="%s" alt="Logo"/>`, done.FinalURL),
	})
	if err != nil {
		return err
	}
	t.say("   component %s shows it", cp.ID)
	return nil
}

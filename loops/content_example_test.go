package loops_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// fakeClient starts a fake and a client for an example, one that waits
// for nothing (see loopstest.Server.Client): the examples show calls, not
// pacing.
func fakeClient() (*loopstest.Server, *loops.Client) {
	srv := loopstest.New()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	return srv, client
}

// A transactional email from scratch: create it, write its draft, publish
// it, send it.
func ExampleTransactionalService_Publish() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()

	tx, err := client.Transactional.Create(ctx, &loops.TransactionalEmailCreateRequest{Name: "Password reset"})
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.EmailMessages.Update(ctx, tx.GetDraftEmailMessageID(), &loops.EmailMessageUpdateRequest{
		ExpectedRevisionID: tx.DraftEmailMessageContentRevisionID,
		Subject:            new("Reset your password"),
		Lmx:                new("<Paragraph>Follow the link to choose a new password.</Paragraph>"),
	})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Transactional.Publish(ctx, tx.ID); err != nil {
		log.Fatal(err)
	}
	err = client.Transactional.Send(ctx, &loops.TransactionalRequest{TransactionalID: tx.ID, Email: "ada@example.com"})
	fmt.Println("sent:", err == nil)
	// Output:
	// sent: true
}

// Editing an email message is optimistic: a stale revision is a conflict
// to resolve by re-reading, never a silent overwrite.
func ExampleEmailMessagesService_Update() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	cmp, err := client.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"})
	if err != nil {
		log.Fatal(err)
	}
	msgID := cmp.GetEmailMessageID()
	_, err = client.EmailMessages.Update(ctx, msgID, &loops.EmailMessageUpdateRequest{ExpectedRevisionID: new("an-old-revision"), Subject: new("Hello")})
	var apiErr *loops.APIError
	if errors.Is(err, loops.ErrRevisionConflict) && errors.As(err, &apiErr) {
		fmt.Println("stale; the latest revision is known:", apiErr.LatestRevisionID() != "")
		msg, err := client.EmailMessages.Get(ctx, msgID)
		if err != nil {
			log.Fatal(err)
		}
		msg, err = client.EmailMessages.Update(ctx, msgID, &loops.EmailMessageUpdateRequest{ExpectedRevisionID: msg.ContentRevisionID, Subject: new("Hello")})
		fmt.Println("after re-reading:", err == nil, msg.Subject)
	}
	// Output:
	// stale; the latest revision is known: true
	// after re-reading: true Hello
}

// Campaigns aim at a mailing list, a saved segment, or a filter of their
// own, built from typed conditions.
func ExampleCampaignsService_Create() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	group, err := client.CampaignGroups.Create(ctx, &loops.GroupCreateRequest{Name: "Product news"})
	if err != nil {
		log.Fatal(err)
	}
	cmp, err := client.Campaigns.Create(ctx, &loops.CampaignCreateRequest{
		Name:            "Spring launch",
		CampaignGroupID: new(group.ID),
		AudienceFilter: loops.MatchAll(
			loops.Property("planName").Equals("pro"),
			loops.OptIn(loops.OptInStatusAccepted),
		),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cmp.Name, cmp.Status, len(cmp.GetAudienceFilter().Conditions), "conditions")
	// Output:
	// Spring launch Draft 2 conditions
}

// Segments save a filter for many campaigns; lists of any content
// resource are range loops.
func ExampleAudienceSegmentsService_Create() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	for _, name := range []string{"Pro", "Trial"} {
		_, err := client.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{
			Name:   name,
			Filter: *loops.MatchAny(loops.Property("planName").Equals(name)),
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	for seg, err := range client.AudienceSegments.ListIter(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(seg.Name)
	}
	// Output:
	// Trial
	// Pro
}

// Metrics of a sent campaign; in tests, the fake serves whatever
// SetReport gave it.
func ExampleCampaignsService_Metrics() {
	srv, client := fakeClient()
	defer srv.Close()
	id := srv.Seed("/v1/campaigns", map[string]any{"name": "Winter", "status": "Sent"})
	srv.SetReport("/v1/campaigns/"+id+"/metrics", loops.EmailMetrics{Sends: 1200, Opens: 540, Clicks: 61})

	m, err := client.Campaigns.Metrics(context.Background(), id)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("open rate %.0f%%\n", 100*float64(m.Opens)/float64(m.Sends))
	// Output:
	// open rate 45%
}

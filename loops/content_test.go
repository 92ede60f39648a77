package loops_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// lastRequest returns the last request the fake received.
func lastRequest(t *testing.T, srv *loopstest.Server) loopstest.Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the fake")
	}
	return reqs[len(reqs)-1]
}

// wantWire checks the last request's method, escaped path, raw query and
// body (compared as JSON; "" for no body).
func wantWire(t *testing.T, srv *loopstest.Server, method, path, query, body string) {
	t.Helper()
	r := lastRequest(t, srv)
	if r.Method != method || r.Path != "/api"+path {
		t.Errorf("sent %s %s, want %s %s", r.Method, r.Path, method, "/api"+path)
	}
	if got := r.Query.Encode(); got != query {
		t.Errorf("%s %s: query %q, want %q", method, path, got, query)
	}
	switch {
	case body == "" && len(r.Body) != 0:
		t.Errorf("%s %s: body %s, want none", method, path, r.Body)
	case body != "":
		var got, want any
		if err := json.Unmarshal(r.Body, &got); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, path, r.Body)
		}
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatalf("bad expectation %q", body)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s: body\n  %s\nwant\n  %s", method, path, r.Body, body)
		}
	}
}

// What every content call puts on the wire: method, path, query, and the
// body with unset fields left out and null sent only when asked for.
func TestContentWire(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Transactional emails.
	tx, err := c.Transactional.Create(ctx, &loops.TransactionalEmailCreateRequest{Name: "Receipt"})
	must(err)
	wantWire(t, srv, "POST", "/v1/transactional-emails", "", `{"name":"Receipt"}`)
	must(ok(c.Transactional.List(ctx, &loops.ListOptions{PerPage: 10, Cursor: ""})))
	wantWire(t, srv, "GET", "/v1/transactional-emails", "perPage=10", "")
	must(ok(c.Transactional.Get(ctx, tx.ID)))
	wantWire(t, srv, "GET", "/v1/transactional-emails/"+tx.ID, "", "")
	must(ok(c.Transactional.Update(ctx, tx.ID, &loops.TransactionalEmailUpdateRequest{Name: new("Receipt 2")})))
	wantWire(t, srv, "POST", "/v1/transactional-emails/"+tx.ID, "", `{"name":"Receipt 2"}`)
	must(ok(c.Transactional.EnsureDraft(ctx, tx.ID)))
	wantWire(t, srv, "POST", "/v1/transactional-emails/"+tx.ID+"/draft", "", "")
	must(ok(c.EmailMessages.Update(ctx, tx.GetDraftEmailMessageID(), &loops.EmailMessageUpdateRequest{
		ExpectedRevisionID: tx.DraftEmailMessageContentRevisionID,
		Subject:            new("Your receipt"),
		DataVariablesFallbacks: map[string]*string{
			"name": new("there"), // sets a fallback
			"old":  nil,          // null deletes one
		},
	})))
	wantWire(t, srv, "POST", "/v1/email-messages/"+tx.GetDraftEmailMessageID(), "",
		`{"expectedRevisionId":"`+tx.GetDraftEmailMessageContentRevisionID()+`","subject":"Your receipt","dataVariablesFallbacks":{"name":"there","old":null}}`)
	must(ok(c.Transactional.Publish(ctx, tx.ID)))
	wantWire(t, srv, "POST", "/v1/transactional-emails/"+tx.ID+"/publish", "", "")
	must(ok(c.Transactional.Metrics(ctx, tx.ID)))
	wantWire(t, srv, "GET", "/v1/transactional-emails/"+tx.ID+"/metrics", "", "")

	// Groups: the two families share one service type.
	g, err := c.CampaignGroups.Create(ctx, &loops.GroupCreateRequest{Name: "News", Description: new("Monthly")})
	must(err)
	wantWire(t, srv, "POST", "/v1/campaign-groups", "", `{"name":"News","description":"Monthly"}`)
	must(ok(c.CampaignGroups.Update(ctx, g.ID, &loops.GroupUpdateRequest{Name: new("Newsletter")})))
	wantWire(t, srv, "POST", "/v1/campaign-groups/"+g.ID, "", `{"name":"Newsletter"}`)
	tg, err := c.TransactionalGroups.Create(ctx, &loops.GroupCreateRequest{Name: "Billing"})
	must(err)
	wantWire(t, srv, "POST", "/v1/transactional-groups", "", `{"name":"Billing"}`)
	must(ok(c.TransactionalGroups.Get(ctx, tg.ID)))
	wantWire(t, srv, "GET", "/v1/transactional-groups/"+tg.ID, "", "")
	must(ok(c.TransactionalGroups.List(ctx, &loops.ListOptions{PerPage: 50})))
	wantWire(t, srv, "GET", "/v1/transactional-groups", "perPage=50", "")

	// Segments and filters.
	seg, err := c.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{
		Name:   "Pro",
		Filter: *loops.MatchAny(loops.Property("planName").Equals("pro"), loops.Property("seats").GreaterThan(5), loops.NoOptInStatus()),
	})
	must(err)
	wantWire(t, srv, "POST", "/v1/audience-segments", "", `{"name":"Pro","filter":{"match":"any","conditions":[
		{"type":"property","key":"planName","operator":"equals","value":"pro"},
		{"type":"property","key":"seats","operator":"greaterThan","value":5},
		{"type":"optIn","status":null}]}}`)

	// Campaigns: null clears, unset stays out.
	cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring", CampaignGroupID: new(g.ID), AudienceSegmentID: new(seg.ID)})
	must(err)
	wantWire(t, srv, "POST", "/v1/campaigns", "", `{"name":"Spring","campaignGroupId":"`+g.ID+`","audienceSegmentId":"`+seg.ID+`"}`)
	var at loops.CampaignSchedulingRequest
	must(at.FromCampaignSchedulingAt(loops.CampaignSchedulingAt{Method: loops.CampaignSchedulingAtMethodSchedule, Timestamp: time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)}))
	updated, err := c.Campaigns.Update(ctx, cmp.ID, &loops.CampaignUpdateRequest{AudienceSegmentID: loops.Null[string](), Scheduling: &at})
	must(err)
	r := lastRequest(t, srv)
	var sent map[string]json.RawMessage
	must(json.Unmarshal(r.Body, &sent))
	if string(sent["audienceSegmentId"]) != "null" || len(sent) != 2 || sent["scheduling"] == nil {
		t.Errorf("campaign update body %s: want audienceSegmentId null and scheduling only", r.Body)
	}
	if updated.Status != loops.CampaignStatusScheduled || updated.AudienceSegmentID != nil || updated.Scheduling.GetTimestamp().IsZero() {
		t.Errorf("updated campaign %+v: want scheduled, segment cleared", updated)
	}
	must(ok(c.Campaigns.List(ctx, nil)))
	wantWire(t, srv, "GET", "/v1/campaigns", "", "")

	// Email messages.
	must(ok(c.EmailMessages.Preview(ctx, cmp.GetEmailMessageID(), &loops.EmailMessagePreviewRequest{Emails: []string{"ada@example.com"}, ContactProperties: map[string]string{"firstName": "Ada"}})))
	wantWire(t, srv, "POST", "/v1/email-messages/"+cmp.GetEmailMessageID()+"/preview", "", `{"emails":["ada@example.com"],"contactProperties":{"firstName":"Ada"}}`)
	must(ok(c.EmailMessages.Guardian(ctx, cmp.GetEmailMessageID())))
	wantWire(t, srv, "GET", "/v1/email-messages/"+cmp.GetEmailMessageID()+"/guardian", "", "")
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %q", v)
	}
}

// IDs go into the path as one escaped segment; an empty or dot-segment ID
// is refused before anything is sent.
func TestContentPathEscaping(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	ctx := context.Background()
	_, err := c.Campaigns.Get(ctx, "wf/../../contacts")
	if !errors.Is(err, loops.ErrNotFound) {
		t.Fatalf("want the fake's 404 for an unknown campaign, got %v", err)
	}
	wantWire(t, srv, "GET", "/v1/campaigns/wf%2F..%2F..%2Fcontacts", "", "")
	for _, id := range []string{"", ".", ".."} {
		before := len(srv.Requests())
		_, err := c.Campaigns.Get(ctx, id)
		var ve *loops.ValidationError
		if !errors.As(err, &ve) || ve.Field != "campaignId" {
			t.Errorf("id %q: want a ValidationError on campaignId, got %v", id, err)
		}
		if len(srv.Requests()) != before {
			t.Errorf("id %q: a request was sent", id)
		}
	}
}

// The fake's rules for content resources, seen through the typed client.
func TestContentRules(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)

	t.Run("publish needs a draft and a subject", func(t *testing.T) {
		tx, err := c.Transactional.Create(ctx, &loops.TransactionalEmailCreateRequest{Name: "Welcome"})
		if err != nil {
			t.Fatal(err)
		}
		var apiErr *loops.APIError
		if _, err := c.Transactional.Publish(ctx, tx.ID); !errors.As(err, &apiErr) || apiErr.StatusCode != 422 {
			t.Errorf("publishing a draft without a subject: want 422, got %v", err)
		}
		if _, err := c.EmailMessages.Update(ctx, tx.GetDraftEmailMessageID(), &loops.EmailMessageUpdateRequest{ExpectedRevisionID: tx.DraftEmailMessageContentRevisionID, Subject: new("Hi")}); err != nil {
			t.Fatal(err)
		}
		pub, err := c.Transactional.Publish(ctx, tx.ID)
		if err != nil || pub.DraftEmailMessageID != nil || pub.GetPublishedEmailMessageID() != tx.GetDraftEmailMessageID() {
			t.Fatalf("publish: %+v, %v", pub, err)
		}
		if _, err := c.Transactional.Publish(ctx, tx.ID); !errors.Is(err, loops.ErrConflict) {
			t.Errorf("publishing without a draft: want ErrConflict, got %v", err)
		}
		// A published email sends.
		if err := c.Transactional.Send(ctx, &loops.TransactionalRequest{TransactionalID: tx.ID, Email: "ada@example.com"}); err != nil {
			t.Errorf("sending the published email: %v", err)
		}
		draft, err := c.Transactional.EnsureDraft(ctx, tx.ID)
		if err != nil || draft.GetDraftEmailMessageID() == "" || draft.GetDraftEmailMessageContentRevisionID() == "" {
			t.Fatalf("EnsureDraft: %+v, %v", draft, err)
		}
		msg, err := c.EmailMessages.Get(ctx, draft.GetDraftEmailMessageID())
		if err != nil || msg.Subject != "Hi" {
			t.Errorf("the new draft is not seeded from the published message: %+v, %v", msg, err)
		}
	})

	t.Run("Unsorted is reserved", func(t *testing.T) {
		type creator = func(context.Context, *loops.GroupCreateRequest, ...loops.CallOption) (*loops.Group, error)
		for _, create := range []creator{c.CampaignGroups.Create, c.TransactionalGroups.Create} {
			if _, err := create(ctx, &loops.GroupCreateRequest{Name: "Unsorted"}); !errors.Is(err, loops.ErrBadRequest) {
				t.Errorf("want ErrBadRequest for the reserved name, got %v", err)
			}
		}
	})

	t.Run("a sent campaign is frozen but for its name and group", func(t *testing.T) {
		cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Launch"})
		if err != nil {
			t.Fatal(err)
		}
		var now loops.CampaignSchedulingRequest
		_ = now.FromCampaignSchedulingNow(loops.CampaignSchedulingNow{Method: loops.CampaignSchedulingNowMethodNow})
		sent, err := c.Campaigns.Update(ctx, cmp.ID, &loops.CampaignUpdateRequest{Scheduling: &now})
		if err != nil || sent.Status != loops.CampaignStatusSent {
			t.Fatalf("send now: %+v, %v", sent, err)
		}
		if _, err := c.Campaigns.Update(ctx, cmp.ID, &loops.CampaignUpdateRequest{MailingListID: loops.Value("cm06f5v0e45nf0ml5754o9cix")}); !errors.Is(err, loops.ErrConflict) {
			t.Errorf("changing a sent campaign's audience: want ErrConflict, got %v", err)
		}
		if renamed, err := c.Campaigns.Update(ctx, cmp.ID, &loops.CampaignUpdateRequest{Name: new("Launch (sent)")}); err != nil || renamed.Name != "Launch (sent)" {
			t.Errorf("renaming a sent campaign: %v", err)
		}
		if _, err := c.EmailMessages.Update(ctx, cmp.GetEmailMessageID(), &loops.EmailMessageUpdateRequest{Subject: new("Late")}); !errors.Is(err, loops.ErrConflict) {
			t.Errorf("editing a sent campaign's message: want ErrConflict, got %v", err)
		}
	})

	t.Run("a segment sent alone clears the filter", func(t *testing.T) {
		seg, err := c.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{Name: "All", Filter: *loops.MatchAll(loops.Property("email").NotEmpty())})
		if err != nil {
			t.Fatal(err)
		}
		cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Filtered", AudienceFilter: loops.MatchAll(loops.Property("plan").Equals("pro"))})
		if err != nil || cmp.AudienceFilter == nil {
			t.Fatalf("create: %+v, %v", cmp, err)
		}
		got, err := c.Campaigns.Update(ctx, cmp.ID, &loops.CampaignUpdateRequest{AudienceSegmentID: loops.Value(seg.ID)})
		if err != nil || got.AudienceFilter != nil || got.GetAudienceSegmentID() != seg.ID {
			t.Errorf("after setting a segment: %+v, %v; want the filter cleared", got, err)
		}
	})

	t.Run("metrics are zeros until set", func(t *testing.T) {
		id := srv.Seed("/v1/campaigns", map[string]any{"name": "Old", "status": "Sent"})
		m, err := c.Campaigns.Metrics(ctx, id)
		if err != nil || *m != (loops.EmailMetrics{}) {
			t.Fatalf("metrics %+v, %v", m, err)
		}
		srv.SetReport("/v1/campaigns/"+id+"/metrics", loops.EmailMetrics{Sends: 100, Opens: 40, Clicks: 7})
		if m, err := c.Campaigns.Metrics(ctx, id); err != nil || m.Sends != 100 || m.Clicks != 7 {
			t.Errorf("seeded metrics %+v, %v", m, err)
		}
		draft, _ := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Unsent"})
		if _, err := c.Campaigns.Metrics(ctx, draft.ID); !errors.Is(err, loops.ErrBadRequest) {
			t.Errorf("metrics of an unsent campaign: want ErrBadRequest, got %v", err)
		}
	})

	t.Run("LMX: over 100 KB is refused locally; broken markup is 422", func(t *testing.T) {
		cmp, _ := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Body"})
		before := len(srv.Requests())
		_, err := c.EmailMessages.Update(ctx, cmp.GetEmailMessageID(), &loops.EmailMessageUpdateRequest{Lmx: new(strings.Repeat("x", 100<<10+1))})
		if !errors.Is(err, loops.ErrInvalidInput) || len(srv.Requests()) != before {
			t.Errorf("101 KB of LMX: want a local error and nothing sent, got %v", err)
		}
		var apiErr *loops.APIError
		if _, err := c.EmailMessages.Update(ctx, cmp.GetEmailMessageID(), &loops.EmailMessageUpdateRequest{Lmx: new("<Paragraph>open")}); !errors.As(err, &apiErr) || apiErr.StatusCode != 422 {
			t.Errorf("unbalanced LMX: want 422, got %v", err)
		}
	})

	t.Run("CC and BCC are for transactional emails, not campaigns", func(t *testing.T) {
		cmp, _ := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Copied"})
		for _, req := range []*loops.EmailMessageUpdateRequest{{CcEmail: new("cc@example.com")}, {BccEmail: new("bcc@example.com")}} {
			if _, err := c.EmailMessages.Update(ctx, cmp.GetEmailMessageID(), req); !errors.Is(err, loops.ErrBadRequest) {
				t.Errorf("CC or BCC on a campaign's email: want ErrBadRequest, got %v", err)
			}
		}
		tx, _ := c.Transactional.Create(ctx, &loops.TransactionalEmailCreateRequest{Name: "Copied"})
		if _, err := c.EmailMessages.Update(ctx, tx.GetDraftEmailMessageID(), &loops.EmailMessageUpdateRequest{CcEmail: new("cc@example.com"), BccEmail: new("bcc@example.com")}); err != nil {
			t.Errorf("CC and BCC on a transactional email: %v", err)
		}
	})

	t.Run("each kind of message takes its own preview variables", func(t *testing.T) {
		cmp, _ := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Preview"})
		_, err := c.EmailMessages.Preview(ctx, cmp.GetEmailMessageID(), &loops.EmailMessagePreviewRequest{Emails: []string{"a@example.com"}, DataVariables: map[string]string{"x": "y"}})
		if !errors.Is(err, loops.ErrBadRequest) {
			t.Errorf("data variables on a campaign preview: want ErrBadRequest, got %v", err)
		}
	})
}

// A stale expectedRevisionId is a revision conflict: ErrConflict and
// ErrRevisionConflict, with Loops' message and the latest revision.
func TestRevisionConflict(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Edited twice"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.EmailMessages.Update(ctx, cmp.GetEmailMessageID(), &loops.EmailMessageUpdateRequest{ExpectedRevisionID: cmp.EmailMessageContentRevisionID, Subject: new("One")})
	if err != nil {
		t.Fatal(err)
	}
	// A second writer still holding the first revision loses.
	_, err = c.EmailMessages.Update(ctx, cmp.GetEmailMessageID(), &loops.EmailMessageUpdateRequest{ExpectedRevisionID: cmp.EmailMessageContentRevisionID, Subject: new("Two")})
	var apiErr *loops.APIError
	if !errors.Is(err, loops.ErrConflict) || !errors.Is(err, loops.ErrRevisionConflict) || !errors.As(err, &apiErr) {
		t.Fatalf("want a revision conflict, got %v", err)
	}
	if !strings.Contains(apiErr.Message, "contentRevisionId mismatch") || apiErr.LatestRevisionID() != first.GetContentRevisionID() {
		t.Errorf("message %q, latest %q; want Loops' message naming %q", apiErr.Message, apiErr.LatestRevisionID(), first.GetContentRevisionID())
	}
	// Other 409s are not revision conflicts.
	sent := srv.Seed("/v1/campaigns", map[string]any{"name": "Gone", "status": "Sent"})
	if _, err := c.Campaigns.Update(ctx, sent, &loops.CampaignUpdateRequest{MailingListID: loops.Null[string]()}); !errors.Is(err, loops.ErrConflict) || errors.Is(err, loops.ErrRevisionConflict) {
		t.Errorf("a frozen campaign's 409 is a conflict but not a revision conflict: %v", err)
	}
}

// Content reads are retried; a revisioned update is retried after the
// connection drops, and a conflict then says an earlier attempt may have
// applied; an unrevisioned create is never repeated after it may have landed.
func TestContentRetries(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	cmp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Retry"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject("GET /v1/campaigns/"+cmp.ID, loopstest.Status(503))
	var info loops.ResponseInfo
	if _, err := c.Campaigns.Get(ctx, cmp.ID, loops.WithResponseInfo(&info)); err != nil || info.Attempts != 2 {
		t.Errorf("a content read after a 503: %v after %d attempts; want success on the second", err, info.Attempts)
	}

	route := "POST /v1/email-messages/" + cmp.GetEmailMessageID()
	srv.Inject(route, loopstest.ProcessThenDrop())
	_, err = c.EmailMessages.Update(ctx, cmp.GetEmailMessageID(), &loops.EmailMessageUpdateRequest{ExpectedRevisionID: cmp.EmailMessageContentRevisionID, Subject: new("Once")})
	var apiErr *loops.APIError
	if !errors.Is(err, loops.ErrRevisionConflict) || !errors.As(err, &apiErr) || apiErr.Attempts != 2 {
		t.Fatalf("the replay of an applied update: want a revision conflict on attempt 2, got %v", err)
	}
	if !strings.Contains(err.Error(), "an earlier attempt may have applied") {
		t.Errorf("the error should say the first attempt may have applied: %q", err)
	}
	if msg, _ := c.EmailMessages.Get(ctx, cmp.GetEmailMessageID()); msg.Subject != "Once" {
		t.Errorf("the update applied once: subject %q", msg.Subject)
	}

	srv.Inject("POST /v1/campaigns", loopstest.ProcessThenDrop())
	before := srv.RequestCount("POST /v1/campaigns")
	if _, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Maybe"}); err == nil {
		t.Fatal("want the dropped connection's error")
	}
	if n := srv.RequestCount("POST /v1/campaigns") - before; n != 1 {
		t.Errorf("an unrevisioned create was sent %d times, want 1", n)
	}
}

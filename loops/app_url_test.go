package loops_test

import (
	"context"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// Campaigns, transactional emails and workflows carry the URL of their page
// in the Loops app (spec 1.21.14) in every answer: create, get, update,
// list. The fake makes it from the resource's ID, so each one names its own
// page.
func TestResourcesCarryTheirAppURL(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	want := func(what, got, section, id string) {
		t.Helper()
		if w := "https://app.loops.so/" + section + "/" + id; got != w {
			t.Errorf("%s: URL %q, want %q", what, got, w)
		}
	}

	camp, err := c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "Spring"})
	check(t, err)
	want("created campaign", camp.URL, "campaigns", camp.ID)
	got, err := c.Campaigns.Get(ctx, camp.ID)
	check(t, err)
	want("campaign", got.URL, "campaigns", camp.ID)
	name := "Summer"
	upd, err := c.Campaigns.Update(ctx, camp.ID, &loops.CampaignUpdateRequest{Name: &name})
	check(t, err)
	want("updated campaign", upd.URL, "campaigns", camp.ID)
	for item, err := range c.Campaigns.ListIter(ctx, nil) {
		check(t, err)
		want("listed campaign", item.URL, "campaigns", item.ID)
	}

	draft, err := c.Transactional.Create(ctx, &loops.TransactionalEmailCreateRequest{Name: "Receipt"})
	check(t, err)
	want("created transactional email", draft.URL, "transactional", draft.ID)
	te, err := c.Transactional.Get(ctx, draft.ID)
	check(t, err)
	want("transactional email", te.URL, "transactional", draft.ID)
	for item, err := range c.Transactional.ListIter(ctx, nil) {
		check(t, err)
		want("listed transactional email", item.URL, "transactional", item.ID)
	}

	wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Onboarding"})
	check(t, err)
	want("created workflow", wf.URL, "workflows", wf.ID)
	node, err := c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewSendEmailNode())
	check(t, err)
	want("workflow in a node answer", node.Workflow.URL, "workflows", wf.ID)
	for item, err := range c.Workflows.ListIter(ctx, nil) {
		check(t, err)
		want("listed workflow", item.URL, "workflows", item.ID)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %q", v)
	}
}

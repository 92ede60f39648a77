package loops_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// The Validate methods generated from the contract, one case per kind of
// rule, through the client: each is a *ValidationError naming the call,
// the field (as a JSON path) and the rule, and nothing is sent.
func TestGeneratedValidationRules(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("x", 256)
	filter := func(conds ...loops.AudienceFilterCondition) loops.AudienceFilter { return *loops.MatchAll(conds...) }
	var badScheduling loops.CampaignSchedulingRequest
	_ = badScheduling.FromCampaignSchedulingAt(loops.CampaignSchedulingAt{Method: loops.CampaignSchedulingAtMethodSchedule}) // no timestamp
	var unknownCondition loops.AudienceFilterCondition
	// Node updates are an anyOf: each alternative's own checks apply, as
	// on create (a week timer and a 150% split are refused by Loops).
	update := func(set func(*loops.WorkflowNodeUpdatePayload) error) *loops.WorkflowNodeUpdateRequest {
		req := &loops.WorkflowNodeUpdateRequest{ExpectedRevisionID: loops.Null[string]()}
		if err := set(&req.Payload); err != nil {
			t.Fatal(err)
		}
		return req
	}
	weeks := loops.TimerUnit("w")
	timerInWeeks := update(func(p *loops.WorkflowNodeUpdatePayload) error {
		return p.FromTimerActionNodeUpdate(loops.TimerActionNodeUpdate{Unit: &weeks})
	})
	overSampled := update(func(p *loops.WorkflowNodeUpdatePayload) error {
		return p.FromExperimentBranchNodeUpdate(loops.ExperimentBranchNodeUpdate{SamplingRate: new(150.0)})
	})
	mixedKinds := update(func(p *loops.WorkflowNodeUpdatePayload) error {
		return p.UnmarshalJSON([]byte(`{"amount":3,"samplingRate":50}`))
	})
	nilComparison := update(func(p *loops.WorkflowNodeUpdatePayload) error {
		return p.FromContactPropertyTriggerNodeUpdate(loops.ContactPropertyTriggerNodeUpdate{ContactPropertyQuery: &loops.WorkflowContactPropertyQuery{
			Key: "planName",
			Is:  loops.WorkflowContactPropertyComparison{Operator: "equal"}, // Value left nil: sent as null
			Was: loops.WorkflowContactPropertyComparison{Operator: "any", Value: ""},
		}})
	})
	_ = unknownCondition.UnmarshalJSON([]byte(`{"type":"tag"}`))

	tests := []struct {
		rule, op, field, reason string
		call                    func(*loops.Client) error
	}{
		{"required string", "TransactionalGroups.Create", "name", "is required", func(c *loops.Client) error {
			return ok(c.TransactionalGroups.Create(ctx, &loops.GroupCreateRequest{}))
		}},
		{"optional string set empty", "Transactional.Update", "name", "must not be empty", func(c *loops.Client) error {
			return ok(c.Transactional.Update(ctx, "tx1", &loops.TransactionalEmailUpdateRequest{Name: new("")}))
		}},
		{"maxLength", "AudienceSegments.Create", "name", "at most 255 characters (it has 256)", func(c *loops.Client) error {
			return ok(c.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{Name: long, Filter: filter(loops.Property("a").IsTrue())}))
		}},
		{"enum", "ContactProperties.Create", "type", `must be one of string, number, boolean, date (it is "money")`, func(c *loops.Client) error {
			return c.ContactProperties.Create(ctx, "price", "money")
		}},
		{"minItems", "EmailMessages.Preview", "emails", "needs at least one item", func(c *loops.Client) error {
			return ok(c.EmailMessages.Preview(ctx, "m1", &loops.EmailMessagePreviewRequest{}))
		}},
		{"array item", "EmailMessages.Preview", "emails[1]", "must not be empty", func(c *loops.Client) error {
			return ok(c.EmailMessages.Preview(ctx, "m1", &loops.EmailMessagePreviewRequest{Emails: []string{"a@example.com", ""}}))
		}},
		{"nested object", "AudienceSegments.Create", "filter.conditions", "needs at least one item", func(c *loops.Client) error {
			return ok(c.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{Name: "S", Filter: filter()}))
		}},
		{"nested array item", "AudienceSegments.Create", "filter.conditions[0].key", "is required", func(c *loops.Client) error {
			return ok(c.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{Name: "S", Filter: filter(loops.Property("").IsTrue())}))
		}},
		{"union discriminator", "AudienceSegments.Create", "filter.conditions[0].type", "must be one of activity, optIn, property", func(c *loops.Client) error {
			return ok(c.AudienceSegments.Create(ctx, &loops.AudienceSegmentCreateRequest{Name: "S", Filter: filter(unknownCondition)}))
		}},
		{"union value kind", "Campaigns.Create", "audienceFilter.conditions[0].value", "must be a string, a number or an object", func(c *loops.Client) error {
			return ok(c.Campaigns.Create(ctx, &loops.CampaignCreateRequest{Name: "C", AudienceFilter: loops.MatchAll(loops.Property("vip").Equals(true))}))
		}},
		{"required time", "Campaigns.Update", "scheduling.timestamp", "is required", func(c *loops.Client) error {
			return ok(c.Campaigns.Update(ctx, "c1", &loops.CampaignUpdateRequest{Scheduling: &badScheduling}))
		}},
		{"minProperties", "Campaigns.Update", "request", "needs at least one field to change", func(c *loops.Client) error {
			return ok(c.Campaigns.Update(ctx, "c1", &loops.CampaignUpdateRequest{}))
		}},
		{"required nullable", "WorkflowNodes.AddBranch", "expectedRevisionId", "is required: set a value, or null", func(c *loops.Client) error {
			return ok(c.WorkflowNodes.AddBranch(ctx, "wf1", "n1", &loops.WorkflowBranchRequest{}))
		}},
		{"required nullable set empty", "WorkflowNodes.AddBranch", "expectedRevisionId", "must not be empty (set null instead)", func(c *loops.Client) error {
			return ok(c.WorkflowNodes.AddBranch(ctx, "wf1", "n1", &loops.WorkflowBranchRequest{ExpectedRevisionID: loops.Value("")}))
		}},
		{"anyOf of required sets", "Workflows.Update", "name/description", "give at least one of name or description", func(c *loops.Client) error {
			return ok(c.Workflows.Update(ctx, "wf1", &loops.WorkflowUpdateRequest{ExpectedRevisionID: loops.Null[string]()}))
		}},
		{"oneOf of required sets", "WorkflowNodes.Create", "toNodeId/beforeNodeId", "give exactly one of toNodeId or beforeNodeId", func(c *loops.Client) error {
			return ok(c.WorkflowNodes.Create(ctx, &loops.Workflow{ID: "wf1"}, loops.InsertBefore(""), loops.NewSendEmailNode()))
		}},
		{"union discriminator of a body", "WorkflowNodes.Create", "insertMode", "must be one of after, before, between", func(c *loops.Client) error {
			return ok(c.WorkflowNodes.Create(ctx, &loops.Workflow{ID: "wf1"}, loops.NodePlace{}, loops.NewSendEmailNode()))
		}},
		{"anyOf alternative's enum", "WorkflowNodes.Update", "payload.unit", `must be one of m, h, d (it is "w")`, func(c *loops.Client) error {
			return ok(c.WorkflowNodes.Update(ctx, "wf1", "n1", timerInWeeks))
		}},
		{"anyOf alternative's range", "WorkflowNodes.Update", "payload.samplingRate", "must be from 0 to 100 (it is 150)", func(c *loops.Client) error {
			return ok(c.WorkflowNodes.Update(ctx, "wf1", "n1", overSampled))
		}},
		{"anyOf with no alternative taking every field", "WorkflowNodes.Update", "payload", "has fields that fit none of", func(c *loops.Client) error {
			return ok(c.WorkflowNodes.Update(ctx, "wf1", "n1", mixedKinds))
		}},
		{"anyOf left empty", "WorkflowNodes.Update", "payload", "is required", func(c *loops.Client) error {
			return ok(c.WorkflowNodes.Update(ctx, "wf1", "n1", &loops.WorkflowNodeUpdateRequest{ExpectedRevisionID: loops.Null[string]()}))
		}},
		{"required value of several kinds left nil", "WorkflowNodes.Update", "payload.contactPropertyQuery.is.value", "is required (null is not allowed)", func(c *loops.Client) error {
			return ok(c.WorkflowNodes.Update(ctx, "wf1", "n1", nilComparison))
		}},
		{"nil request", "Campaigns.Create", "request", "is nil", func(c *loops.Client) error {
			return ok(c.Campaigns.Create(ctx, nil))
		}},
		{"path parameter", "EmailMessages.Get", "emailMessageId", "is required", func(c *loops.Client) error {
			return ok(c.EmailMessages.Get(ctx, ""))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			srv := loopstest.NewServer(t)
			err := tt.call(newClient(t, srv))
			var ve *loops.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, loops.ErrInvalidInput) {
				t.Fatalf("want a *ValidationError, got %v", err)
			}
			if ve.Op != tt.op || ve.Field != tt.field || !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("got op %q field %q reason %q; want %q, %q, containing %q", ve.Op, ve.Field, ve.Reason, tt.op, tt.field, tt.reason)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d request(s) sent despite invalid input", n)
			}
		})
	}
}

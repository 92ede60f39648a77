package loops_test

import (
	"context"
	"fmt"
	"maps"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

func init() { maps.Copy(operationMethods, workflowMethods) }

// seedWorkflow creates a workflow and builds trigger → timer → email → exit;
// it returns the workflow as last changed and the email node's ID.
func seedWorkflow(ctx context.Context, c *loops.Client) (*loops.Workflow, string, error) {
	wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Welcome series"})
	if err != nil {
		return nil, "", err
	}
	timer, err := c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewTimerNode(2, loops.TimerUnitD))
	if err != nil {
		return nil, "", err
	}
	email, err := c.WorkflowNodes.Create(ctx, &timer.Workflow, loops.InsertAfter(timer.Node.Value().GetID()), loops.NewSendEmailNode())
	if err != nil {
		return nil, "", err
	}
	return &email.Workflow, email.Node.Value().GetID(), nil
}

// rev is the revision to send after reading wf.
func rev(wf *loops.Workflow) loops.Nullable[string] { return loops.NullIfNil(wf.WorkflowRevisionID) }

// workflowMethods covers workflows and their nodes.
var workflowMethods = map[string]operationCall{
	"listWorkflows": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		if _, _, err := seedWorkflow(ctx, c); err != nil {
			return err
		}
		page, err := c.Workflows.List(ctx, nil)
		if err == nil && len(page.Items()) != 1 {
			return fmt.Errorf("listed %d", len(page.Items()))
		}
		return err
	},
	"createWorkflow": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Welcome", MailingListID: new("cm06f5v0e45nf0ml5754o9cix")})
		if err == nil && len(wf.Nodes) != 2 {
			return fmt.Errorf("a new workflow has %d nodes, want a trigger and an exit", len(wf.Nodes))
		}
		return err
	},
	"getWorkflow": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, _, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.Workflows.Get(ctx, wf.ID))
	},
	"updateWorkflowProperties": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, _, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.Workflows.Update(ctx, wf.ID, &loops.WorkflowUpdateRequest{ExpectedRevisionID: rev(wf), Name: new("Welcome v2")}))
	},
	"changeWorkflowMailingList": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, _, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		ch, err := c.Workflows.ChangeMailingList(ctx, wf.ID, &loops.WorkflowMailingListRequest{ExpectedRevisionID: rev(wf), MailingListID: loops.Value("cm06f5v0e45nf0ml5754o9cix")})
		if err == nil && !ch.Done() {
			return fmt.Errorf("not done: %+v", ch)
		}
		return err
	},
	"deleteWorkflow": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, _, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		return c.Workflows.Delete(ctx, wf.ID, &loops.WorkflowDeleteRequest{ExpectedRevisionID: rev(wf)})
	},
	"createWorkflowNode": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Welcome"})
		if err != nil {
			return err
		}
		return ok(c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewBranchNode()))
	},
	"getWorkflowNode": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, email, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.WorkflowNodes.Get(ctx, wf.ID, email))
	},
	"updateWorkflowNode": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Welcome"})
		if err != nil {
			return err
		}
		var p loops.WorkflowNodeUpdatePayload
		_ = p.FromEventTriggerNodeUpdate(loops.EventTriggerNodeUpdate{TypeName: new(loops.EventTriggerNodeUpdateTypeNameEventTrigger), EventName: loops.Value("signup")})
		return ok(c.WorkflowNodes.Update(ctx, wf.ID, wf.RootNodeID, &loops.WorkflowNodeUpdateRequest{ExpectedRevisionID: rev(wf), Payload: p}))
	},
	"deleteWorkflowNode": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, email, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.WorkflowNodes.Delete(ctx, wf.ID, email, &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: rev(wf)}))
	},
	"deleteWorkflowNodeRecursively": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, email, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.WorkflowNodes.DeleteRecursively(ctx, wf.ID, email, &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: rev(wf)}))
	},
	"addWorkflowBranch": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Welcome"})
		if err != nil {
			return err
		}
		exp, err := c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewExperimentNode(50))
		if err != nil {
			return err
		}
		return ok(c.WorkflowNodes.AddBranch(ctx, wf.ID, exp.Node.Value().GetID(), &loops.WorkflowBranchRequest{ExpectedRevisionID: rev(&exp.Workflow)}))
	},
	"rerouteNodeConnection": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, email, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		// The trigger skips the timer and goes straight to the email.
		return ok(c.WorkflowNodes.Reroute(ctx, wf.ID, wf.RootNodeID, &loops.WorkflowRerouteRequest{ExpectedRevisionID: rev(wf), NewTargetNodeID: email}))
	},
	"getWorkflowNodeMetrics": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		wf, email, err := seedWorkflow(ctx, c)
		if err != nil {
			return err
		}
		return ok(c.WorkflowNodes.Metrics(ctx, wf.ID, email))
	},
}

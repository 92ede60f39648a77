package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loopsdev/loops-go/loops"
)

// The workflow steps: a small graph, queued-contact safety and the
// two-step delete.

func (t *tour) workflowSteps() []step {
	return []step{
		{"Workflows: build trigger > timer > email with typed nodes", t.buildWorkflow},
		{"Workflows: dry-run deleting the timer while contacts wait there", t.dryRunDelete},
		{"Workflows: delete the workflow, confirming when Loops asks", t.deleteWorkflow},
	}
}

func (t *tour) buildWorkflow(ctx context.Context) error {
	wf, err := t.client.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Onboarding"})
	if err != nil {
		return err
	}
	timer, err := t.client.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewTimerNode(2, loops.TimerUnitD))
	if err != nil {
		return err
	}
	t.timerID = timer.Node.Value().GetID()
	email, err := t.client.WorkflowNodes.Create(ctx, &timer.Workflow, loops.InsertAfter(t.timerID), loops.NewSendEmailNode())
	if err != nil {
		return err
	}
	t.workflow = &email.Workflow
	t.say("   workflow %s: %s (revision %s)", wf.ID, describeGraph(t.workflow), t.workflow.GetWorkflowRevisionID())
	return nil
}

func (t *tour) dryRunDelete(ctx context.Context) error {
	t.fake.QueueContacts(t.workflow.ID, t.timerID, 3)
	res, err := t.client.WorkflowNodes.Delete(ctx, t.workflow.ID, t.timerID, &loops.WorkflowNodeDeleteRequest{
		ExpectedRevisionID: loops.NullIfNil(t.workflow.WorkflowRevisionID),
		DryRun:             new(true),
	})
	if err != nil {
		return err
	}
	t.say("   %s: Done() = %v, it would drop %d queued contacts", res.Value().GetStatus(), res.Done(), res.Value().GetQueuedContactCount())
	return nil
}

func (t *tour) deleteWorkflow(ctx context.Context) error {
	req := &loops.WorkflowDeleteRequest{ExpectedRevisionID: loops.NullIfNil(t.workflow.WorkflowRevisionID)}
	err := t.client.Workflows.Delete(ctx, t.workflow.ID, req)
	t.say("   first try: errors.Is(err, loops.ErrConfirmationRequired) = %v", errors.Is(err, loops.ErrConfirmationRequired))
	if !errors.Is(err, loops.ErrConfirmationRequired) {
		return fmt.Errorf("want a request for confirmation, got %v", err)
	}
	req.ConfirmDelete = new(true)
	if err := t.client.Workflows.Delete(ctx, t.workflow.ID, req); err != nil {
		return err
	}
	_, err = t.client.Workflows.Get(ctx, t.workflow.ID)
	t.say("   confirmed; reading it again: errors.Is(err, loops.ErrNotFound) = %v", errors.Is(err, loops.ErrNotFound))
	return nil
}

// describeGraph renders a linear workflow from its root: "A > B > C".
func describeGraph(wf *loops.Workflow) string {
	var names []string
	for id := wf.RootNodeID; id != ""; {
		v := wf.Nodes[id].Value()
		names = append(names, v.GetTypeName())
		id = ""
		if next := v.GetNextNodeIds(); len(next) == 1 && len(names) < len(wf.Nodes) {
			id = next[0]
		}
	}
	return strings.Join(names, " > ")
}

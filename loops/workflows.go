package loops

import (
	"context"
	"errors"
	"iter"
)

// WorkflowsService manages workflows, Loops' automated email sequences:
// /v1/workflows. Every change carries the revision last read, as
// ExpectedRevisionID: loops.NullIfNil(wf.WorkflowRevisionID). A stale one
// is an error matching [ErrRevisionConflict]; [WorkflowsService.Modify]
// re-reads and retries for you. The steps of a workflow are its nodes
// ([WorkflowNodesService]).
type WorkflowsService service

// List returns one page of workflows, as summaries; Get gives the graph.
func (s *WorkflowsService) List(ctx context.Context, lo *ListOptions, opts ...CallOption) (*WorkflowList, error) {
	return s.client.listWorkflows(ctx, "Workflows.List", opts, lo)
}

// ListIter ranges over every workflow; opts apply to every page.
func (s *WorkflowsService) ListIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[WorkflowSummary, error] {
	return paginate[WorkflowSummary](ctx, lo, opts, s.List)
}

// Get returns a workflow with its node graph.
func (s *WorkflowsService) Get(ctx context.Context, workflowID string, opts ...CallOption) (*Workflow, error) {
	return s.client.getWorkflow(ctx, "Workflows.Get", opts, workflowID)
}

// Create makes a draft workflow holding a blank trigger and an exit node.
func (s *WorkflowsService) Create(ctx context.Context, req *WorkflowCreateRequest, opts ...CallOption) (*Workflow, error) {
	return s.client.createWorkflow(ctx, "Workflows.Create", opts, req)
}

// Update renames a workflow or changes its description.
func (s *WorkflowsService) Update(ctx context.Context, workflowID string, req *WorkflowUpdateRequest, opts ...CallOption) (*Workflow, error) {
	return s.client.updateWorkflowProperties(ctx, "Workflows.Update", opts, workflowID, req)
}

// ChangeMailingList sets the workflow's mailing list, or clears it with
// Null. Check the answer's Done, as for every change that queued contacts
// can stop: on a dry run, or when the new list would drop queued contacts,
// Loops only reports (Value gives the report, with QueuedContactCount).
// The client never changes the policy for you: QueuedContactPolicyDiscard
// throws contacts' progress away, and only you can decide that.
func (s *WorkflowsService) ChangeMailingList(ctx context.Context, workflowID string, req *WorkflowMailingListRequest, opts ...CallOption) (*WorkflowMailingListResult, error) {
	return s.client.changeWorkflowMailingList(ctx, "Workflows.ChangeMailingList", opts, workflowID, req)
}

// Delete deletes a workflow, which then reads as not found. While it is
// sending or has queued contacts, Loops asks for confirmation first: the
// error matches [ErrConfirmationRequired] and nothing is deleted. Confirm
// by calling again with ConfirmDelete: new(true) and the same revision.
func (s *WorkflowsService) Delete(ctx context.Context, workflowID string, req *WorkflowDeleteRequest, opts ...CallOption) error {
	return s.client.deleteWorkflow(ctx, "Workflows.Delete", opts, workflowID, req)
}

// WorkflowModifyAttempts is how many times [WorkflowsService.Modify] reads
// the workflow and runs the change before it gives up.
const WorkflowModifyAttempts = 4

// Modify is the read-modify-write loop: it reads the workflow and passes
// it to change, which makes its write with that workflow's revision. When
// change returns an error matching [ErrRevisionConflict] (another writer
// got in between), Modify reads again and reruns change, up to
// WorkflowModifyAttempts times, and then returns the last conflict. Other
// errors end it at once, and so does a conflict after a retried request
// (APIError.Attempts > 1), whose earlier attempt may have applied. Writes
// that change made before a conflict are not undone: make one write, or
// writes that are safe to repeat.
func (s *WorkflowsService) Modify(ctx context.Context, workflowID string, change func(ctx context.Context, wf *Workflow) error, opts ...CallOption) error {
	var err error
	for range WorkflowModifyAttempts {
		wf, gerr := s.Get(ctx, workflowID, opts...)
		if gerr != nil {
			return gerr
		}
		var ae *APIError
		if err = change(ctx, wf); !errors.Is(err, ErrRevisionConflict) || (errors.As(err, &ae) && ae.Attempts > 1) {
			return err
		}
	}
	return err
}

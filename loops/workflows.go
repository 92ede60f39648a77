package loops

import (
	"context"
	"errors"
)

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
	if change == nil {
		return invalid("Workflows.Modify", "change", "must not be nil")
	}
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

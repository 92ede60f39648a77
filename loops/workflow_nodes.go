package loops

import (
	"context"
	"encoding/json"
	"fmt"
)

// MaxWorkflowNodes is the most nodes a workflow holds, counting the paths
// that branches and experiments create with them. Loops states the cap in
// prose only (400 since spec 1.21.12; it was 300), so loopstest takes it
// from here rather than keeping a number of its own.
const MaxWorkflowNodes = 400

// NodeSpec is a node for [WorkflowNodesService.Create] to make: its type,
// and the settings to give it. Build one with NewTimerNode,
// NewSendEmailNode, NewAudienceFilterNode, NewBranchNode,
// NewExperimentNode or NewVariantNode.
type NodeSpec struct {
	typ      WorkflowNodeCreatableType
	adds     int                           // nodes created, children included
	settings interface{ Validate() error } // nil: Loops' defaults
}

// NewTimerNode is a timer that waits amount units (TimerUnitM, H or D).
func NewTimerNode(amount float64, unit TimerUnit) NodeSpec {
	return NodeSpec{WorkflowNodeCreatableTypeTimerAction, 1, &TimerActionNodeUpdate{Amount: &amount, Unit: &unit}}
}

// NewSendEmailNode is a send-email node; edit its email (the node's
// EmailMessageID) with [EmailMessagesService.Update].
func NewSendEmailNode() NodeSpec { return NodeSpec{WorkflowNodeCreatableTypeSendEmailAction, 1, nil} }

// NewAudienceFilterNode is a filter with the given settings; nil keeps
// Loops' defaults.
func NewAudienceFilterNode(settings *AudienceFilterNodeUpdate) NodeSpec {
	n := NodeSpec{WorkflowNodeCreatableTypeAudienceFilter, 1, nil}
	if settings != nil {
		n.settings = settings
	}
	return n
}

// NewBranchNode is a branch; Loops gives it two AudienceFilter paths.
func NewBranchNode() NodeSpec { return NodeSpec{WorkflowNodeCreatableTypeBranchNode, 3, nil} }

// NewExperimentNode is an A/B test sending samplingRate percent of
// contacts (0 to 100) down its variants; Loops gives it three VariantNode
// paths, one the control.
func NewExperimentNode(samplingRate float64) NodeSpec {
	return NodeSpec{WorkflowNodeCreatableTypeExperimentBranchNode, 4, &ExperimentBranchNodeUpdate{SamplingRate: &samplingRate}}
}

// NewVariantNode is an experiment path, the control when isControl is true.
func NewVariantNode(isControl bool) NodeSpec {
	return NodeSpec{WorkflowNodeCreatableTypeVariantNode, 1, &VariantNodeUpdate{IsControl: &isControl}}
}

// NodePlace says where [WorkflowNodesService.Create] inserts a node: build
// it with InsertAfter, InsertBefore or InsertBetween.
type NodePlace struct{ mode, from, to string }

// InsertAfter places a node right after fromNodeID, which must lead to
// exactly one node and not be an exit.
func InsertAfter(fromNodeID string) NodePlace { return NodePlace{"after", fromNodeID, ""} }

// InsertBefore places a node in front of toNodeID, which is not a trigger.
func InsertBefore(toNodeID string) NodePlace { return NodePlace{"before", "", toNodeID} }

// InsertBetween places a node on the connection from fromNodeID to toNodeID.
func InsertBetween(fromNodeID, toNodeID string) NodePlace {
	return NodePlace{"between", fromNodeID, toNodeID}
}

// Create inserts a node into wf, the workflow as last read (Create uses its
// ID, its revision and its node count, refusing a node that would pass
// MaxWorkflowNodes). Loops creates nodes with default settings; when node
// has settings, Create applies them with a second, revisioned update, and
// the answer shows the configured node and the latest workflow. If that
// update fails, the node exists with its defaults: Create returns the
// first answer with an error that says so.
func (s *WorkflowNodesService) Create(ctx context.Context, wf *Workflow, at NodePlace, node NodeSpec, opts ...CallOption) (*WorkflowNodeCreateResult, error) {
	const op = "WorkflowNodes.Create"
	var payload WorkflowNodeUpdatePayload
	switch {
	case wf == nil:
		return nil, invalid(op, "workflow", "is nil; pass the workflow as last read")
	case node.typ == "":
		return nil, invalid(op, "node", "is empty; build it with NewTimerNode, NewBranchNode, ...")
	case len(wf.Nodes)+node.adds > MaxWorkflowNodes:
		return nil, invalid(op, "node", fmt.Sprintf("would make %d nodes; a workflow holds at most %d", len(wf.Nodes)+node.adds, MaxWorkflowNodes))
	case node.settings != nil:
		b, err := json.Marshal(node.settings)
		if err = firstError(node.settings.Validate(), err, payload.UnmarshalJSON(b)); err != nil {
			return nil, fieldInvalid(op, err)
		}
	}
	var req WorkflowNodeCreateRequest
	_ = req.UnmarshalJSON(must(json.Marshal(struct {
		Rev  Nullable[string]          `json:"expectedRevisionId"`
		Mode string                    `json:"insertMode"`
		Type WorkflowNodeCreatableType `json:"nodeTypeName"`
		From string                    `json:"fromNodeId,omitempty"`
		To   string                    `json:"toNodeId,omitempty"`
	}{NullIfNil(wf.WorkflowRevisionID), at.mode, node.typ, at.from, at.to})))
	res, err := clientOf(s).createWorkflowNode(ctx, op, opts, wf.ID, &req)
	if err != nil || node.settings == nil {
		return res, err
	}
	id := res.Node.Value().GetID()
	upd, err := s.Update(ctx, wf.ID, id, &WorkflowNodeUpdateRequest{ExpectedRevisionID: Value(res.Node.WorkflowRevisionID), Payload: payload}, opts...)
	if err != nil {
		return res, fmt.Errorf("loops: %s: node %s was created with default settings; setting them failed: %w", op, id, err)
	}
	var fields map[string]json.RawMessage // the updated node, without its workflow
	_ = json.Unmarshal(must(upd.MarshalJSON()), &fields)
	delete(fields, "workflow")
	children := res.Node.CreatedChildNodes
	_ = res.Node.UnmarshalJSON(must(json.Marshal(fields)))
	res.Node.CreatedChildNodes, res.Workflow = children, upd.Workflow
	return res, nil
}

// must drops the error of encoding a value that always encodes.
func must(b []byte, _ error) []byte { return b }

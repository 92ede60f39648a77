package loops_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// graph renders a workflow from its root, such as
// "BlankTrigger > TimerAction > ExitAction", a node's paths in brackets; it
// fails the test for an edge to a node the workflow lacks.
func graph(t *testing.T, wf *loops.Workflow) string {
	t.Helper()
	var walk func(id string) string
	walk = func(id string) string {
		n, ok := wf.Nodes[id]
		if !ok {
			t.Errorf("an edge leads to %s, which is not a node of the workflow", id)
			return "?"
		}
		v := n.Value()
		out := v.GetTypeName()
		switch next := v.GetNextNodeIds(); len(next) {
		case 0:
		case 1:
			out += " > " + walk(next[0])
		default:
			var paths []string
			for _, id := range next {
				paths = append(paths, walk(id))
			}
			out += " [" + strings.Join(paths, " | ") + "]"
		}
		return out
	}
	return walk(wf.RootNodeID)
}

// nodeOfType returns the ID of the first node of typ in wf, by ID order.
func nodeOfType(t *testing.T, wf *loops.Workflow, typ string) string {
	t.Helper()
	for _, id := range slices.Sorted(maps.Keys(wf.Nodes)) {
		if wf.Nodes[id].Value().GetTypeName() == typ {
			return id
		}
	}
	t.Fatalf("no %s node in %s", typ, graph(t, wf))
	return ""
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// What every workflow call puts on the wire, including the JSON body of a
// DELETE and an expectedRevisionId of null.
func TestWorkflowWire(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	must := func(err error) {
		t.Helper()
		check(t, err)
	}

	// An old workflow, whose revision is still null: null goes on the wire.
	old := srv.Seed("/v1/workflows", map[string]any{"name": "Old", "status": "Draft", "workflowRevisionId": nil, "mailingListId": nil, "rootNodeId": "t",
		"nodes": map[string]any{"t": map[string]any{"typeName": "SignupTrigger", "nextNodeIds": []string{"x"}}, "x": map[string]any{"typeName": "ExitAction", "nextNodeIds": []string{}}}})
	wf, err := c.Workflows.Get(ctx, old)
	must(err)
	wantWire(t, srv, "GET", "/v1/workflows/"+old, "", "")
	if wf.WorkflowRevisionID != nil {
		t.Fatalf("the old workflow has revision %q, want null", *wf.WorkflowRevisionID)
	}
	wf, err = c.Workflows.Update(ctx, old, &loops.WorkflowUpdateRequest{ExpectedRevisionID: loops.NullIfNil(wf.WorkflowRevisionID), Name: new("Old, renamed")})
	must(err)
	wantWire(t, srv, "POST", "/v1/workflows/"+old, "", `{"expectedRevisionId":null,"name":"Old, renamed"}`)
	if wf.GetWorkflowRevisionID() == "" {
		t.Error("the first revisioned change should give the workflow a revision")
	}

	wf, err = c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Welcome", Description: new("New signups")})
	must(err)
	wantWire(t, srv, "POST", "/v1/workflows", "", `{"name":"Welcome","description":"New signups"}`)
	must(ok(c.Workflows.List(ctx, &loops.ListOptions{PerPage: 10})))
	wantWire(t, srv, "GET", "/v1/workflows", "perPage=10", "")
	r1 := wf.GetWorkflowRevisionID()
	created, err := c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewSendEmailNode())
	must(err)
	wantWire(t, srv, "POST", "/v1/workflows/"+wf.ID+"/nodes", "", `{"expectedRevisionId":"`+r1+`","insertMode":"after","nodeTypeName":"SendEmailAction","fromNodeId":"`+wf.RootNodeID+`"}`)
	email, wf := created.Node.Value().GetID(), &created.Workflow
	exit := nodeOfType(t, wf, "ExitAction")
	created, err = c.WorkflowNodes.Create(ctx, wf, loops.InsertBetween(email, exit), loops.NewTimerNode(90, loops.TimerUnitM))
	must(err)
	// A configured create is a create, then an update at the revision it answered.
	reqs := srv.Requests()
	timer := created.Node.Value().GetID()
	create, configure := reqs[len(reqs)-2], reqs[len(reqs)-1]
	var sent struct{ ExpectedRevisionID string }
	_ = json.Unmarshal(configure.Body, &sent)
	mid := sent.ExpectedRevisionID
	if string(create.Body) != `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`","insertMode":"between","nodeTypeName":"TimerAction","fromNodeId":"`+email+`","toNodeId":"`+exit+`"}` ||
		configure.Path != "/api/v1/workflows/"+wf.ID+"/nodes/"+timer || string(configure.Body) != `{"expectedRevisionId":"`+mid+`","payload":{"amount":90,"unit":"m"}}` ||
		mid == wf.GetWorkflowRevisionID() || mid == created.Workflow.GetWorkflowRevisionID() || created.Node.WorkflowRevisionID != created.Workflow.GetWorkflowRevisionID() {
		t.Errorf("a configured create sent\n  %s %s\n  %s %s", create.Path, create.Body, configure.Path, configure.Body)
	}
	wf = &created.Workflow
	created, err = c.WorkflowNodes.Create(ctx, wf, loops.InsertBefore(timer), loops.NewAudienceFilterNode(nil))
	must(err)
	wantWire(t, srv, "POST", "/v1/workflows/"+wf.ID+"/nodes", "", `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`","insertMode":"before","nodeTypeName":"AudienceFilter","toNodeId":"`+timer+`"}`)
	wf = &created.Workflow
	must(ok(c.WorkflowNodes.Get(ctx, wf.ID, timer)))
	wantWire(t, srv, "GET", "/v1/workflows/"+wf.ID+"/nodes/"+timer, "", "")
	var p loops.WorkflowNodeUpdatePayload
	must(p.FromTimerActionNodeUpdate(loops.TimerActionNodeUpdate{Unit: new(loops.TimerUnitH)}))
	upd, err := c.WorkflowNodes.Update(ctx, wf.ID, timer, &loops.WorkflowNodeUpdateRequest{ExpectedRevisionID: rev(wf), Payload: p})
	must(err)
	wantWire(t, srv, "POST", "/v1/workflows/"+wf.ID+"/nodes/"+timer, "", `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`","payload":{"unit":"h"}}`)
	wf = &upd.Workflow
	re, err := c.WorkflowNodes.Reroute(ctx, wf.ID, email, &loops.WorkflowRerouteRequest{ExpectedRevisionID: rev(wf), NewTargetNodeID: exit})
	must(err)
	wantWire(t, srv, "POST", "/v1/workflows/"+wf.ID+"/nodes/"+email+"/reroute", "", `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`","newTargetNodeId":"`+exit+`"}`)
	wf = &re.Workflow
	br, err := c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(email), loops.NewBranchNode())
	must(err)
	wf = &br.Workflow
	branch := br.Node.Value().GetID()
	add, err := c.WorkflowNodes.AddBranch(ctx, wf.ID, branch, &loops.WorkflowBranchRequest{ExpectedRevisionID: rev(wf)})
	must(err)
	wantWire(t, srv, "POST", "/v1/workflows/"+wf.ID+"/nodes/"+branch+"/add-branch", "", `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`"}`)
	wf = &add.Workflow
	must(ok(c.WorkflowNodes.Delete(ctx, wf.ID, add.Node.Value().GetID(), &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: rev(wf), DryRun: new(true)})))
	wantWire(t, srv, "DELETE", "/v1/workflows/"+wf.ID+"/nodes/"+add.Node.Value().GetID(), "", `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`","dryRun":true}`)
	del, err := c.WorkflowNodes.DeleteRecursively(ctx, wf.ID, branch, &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: rev(wf), QueuedContactPolicy: new(loops.QueuedContactPolicyDiscard)})
	must(err)
	wantWire(t, srv, "DELETE", "/v1/workflows/"+wf.ID+"/nodes/"+branch+"/recursive", "", `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`","queuedContactPolicy":"discard"}`)
	wf = &del.Value().(*loops.WorkflowNodesDeleted).Workflow
	must(ok(c.WorkflowNodes.Metrics(ctx, wf.ID, email)))
	wantWire(t, srv, "GET", "/v1/workflows/"+wf.ID+"/nodes/"+email+"/metrics", "", "")
	ml, err := c.Workflows.ChangeMailingList(ctx, wf.ID, &loops.WorkflowMailingListRequest{ExpectedRevisionID: rev(wf), MailingListID: loops.Null[string]()})
	must(err)
	wantWire(t, srv, "POST", "/v1/workflows/"+wf.ID+"/mailing-list", "", `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`","mailingListId":null}`)
	wf = &ml.Value().(*loops.WorkflowMailingListUpdated).Workflow
	must(c.Workflows.Delete(ctx, wf.ID, &loops.WorkflowDeleteRequest{ExpectedRevisionID: rev(wf), ConfirmDelete: new(true)}))
	wantWire(t, srv, "DELETE", "/v1/workflows/"+wf.ID, "", `{"expectedRevisionId":"`+wf.GetWorkflowRevisionID()+`","confirmDelete":true}`)
	if r := lastRequest(t, srv); r.Status != 204 || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("delete: status %d, Content-Type %q; want 204 with a JSON body sent", r.Status, r.Header.Get("Content-Type"))
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %q", v)
	}
}

// A revision the caller forgot is a local error, not an omitted field.
func TestWorkflowRevisionRequired(t *testing.T) {
	srv := loopstest.NewServer(t)
	c := newClient(t, srv)
	_, err := c.Workflows.Update(context.Background(), "wf1", &loops.WorkflowUpdateRequest{Name: new("x")})
	var ve *loops.ValidationError
	if !errors.As(err, &ve) || ve.Field != "expectedRevisionId" || !strings.Contains(ve.Reason, "set a value, or null") {
		t.Errorf("want a ValidationError on expectedRevisionId, got %v", err)
	}
	_, err = c.Workflows.Update(context.Background(), "wf1", &loops.WorkflowUpdateRequest{ExpectedRevisionID: loops.Null[string]()})
	if !errors.As(err, &ve) || ve.Field != "name/description" {
		t.Errorf("an update changing nothing: want a ValidationError on name/description, got %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// Building, branching, rerouting and pruning a workflow keeps its graph
// whole; each answer carries the graph after the change.
func TestWorkflowGraph(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Onboarding"})
	check(t, err)
	if got := graph(t, wf); got != "BlankTrigger > ExitAction" {
		t.Fatalf("a new workflow: %s", got)
	}

	// Three nodes: trigger > timer > email > exit, each inserted after the last.
	res, err := c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewTimerNode(2, loops.TimerUnitD))
	check(t, err)
	timer, ok := res.Node.Value().(*loops.TimerActionNode)
	if !ok || timer.Amount != 2 || timer.Unit != loops.TimerUnitD || res.Node.WorkflowRevisionID != res.Workflow.GetWorkflowRevisionID() {
		t.Fatalf("the created timer: %#v at %q; want it configured, at the workflow's revision", res.Node.Value(), res.Node.WorkflowRevisionID)
	}
	res, err = c.WorkflowNodes.Create(ctx, &res.Workflow, loops.InsertAfter(timer.GetID()), loops.NewSendEmailNode())
	check(t, err)
	email := res.Node.Value().(*loops.SendEmailActionNode)
	if email.GetEmailMessageID() == "" {
		t.Error("a send-email node comes with its email message")
	}
	wf = &res.Workflow
	if got := graph(t, wf); got != "BlankTrigger > TimerAction > SendEmailAction > ExitAction" || len(wf.Nodes) != 4 {
		t.Fatalf("after building: %s (%d nodes)", got, len(wf.Nodes))
	}

	var wrong loops.WorkflowNodeUpdatePayload
	_ = wrong.FromTimerActionNodeUpdate(loops.TimerActionNodeUpdate{Amount: new(1.0)})
	if _, err := c.WorkflowNodes.Update(ctx, wf.ID, email.GetID(), &loops.WorkflowNodeUpdateRequest{ExpectedRevisionID: rev(wf), Payload: wrong}); !errors.Is(err, loops.ErrBadRequest) {
		t.Errorf("timer settings on a send-email node: want ErrBadRequest, got %v", err)
	}

	// A branch after the email, with a third path.
	res, err = c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(email.GetID()), loops.NewBranchNode())
	check(t, err)
	if n := len(res.Node.CreatedChildNodes); n != 2 || res.Node.CreatedChildNodes[0].Value().GetTypeName() != "AudienceFilter" {
		t.Errorf("a branch comes with two AudienceFilter paths, got %d", n)
	}
	branch := res.Node.Value().GetID()
	add, err := c.WorkflowNodes.AddBranch(ctx, res.Workflow.ID, branch, &loops.WorkflowBranchRequest{ExpectedRevisionID: rev(&res.Workflow)})
	check(t, err)
	wf = &add.Workflow
	if got := graph(t, wf); got != "BlankTrigger > TimerAction > SendEmailAction > BranchNode [AudienceFilter > ExitAction | AudienceFilter | AudienceFilter]" {
		t.Fatalf("after branching: %s", got)
	}
	if add.Node.Value().GetTypeName() != "AudienceFilter" || add.Node.WorkflowRevisionID != wf.GetWorkflowRevisionID() {
		t.Errorf("the new path %#v at %q", add.Node.Value(), add.Node.WorkflowRevisionID)
	}

	// Reroute the trigger straight to the email, then drop the orphaned timer.
	re, err := c.WorkflowNodes.Reroute(ctx, wf.ID, wf.RootNodeID, &loops.WorkflowRerouteRequest{ExpectedRevisionID: rev(wf), NewTargetNodeID: email.GetID()})
	check(t, err)
	wf = &re.Workflow
	if got := graph(t, wf); got != "BlankTrigger > SendEmailAction > BranchNode [AudienceFilter > ExitAction | AudienceFilter | AudienceFilter]" {
		t.Fatalf("after rerouting: %s", got)
	}
	if re.Value().GetTypeName() != "BlankTrigger" || !slices.Equal(re.Value().GetNextNodeIds(), []string{email.GetID()}) {
		t.Errorf("the rerouted node %#v", re.Value())
	}
	if _, err := c.WorkflowNodes.Reroute(ctx, wf.ID, email.GetID(), &loops.WorkflowRerouteRequest{ExpectedRevisionID: rev(wf), NewTargetNodeID: wf.RootNodeID}); !errors.Is(err, loops.ErrBadRequest) {
		t.Errorf("a loop back to the trigger: want ErrBadRequest, got %v", err)
	}

	// Delete the subtree under the branch.
	del, err := c.WorkflowNodes.DeleteRecursively(ctx, wf.ID, branch, &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: rev(wf)})
	check(t, err)
	done, ok := del.Value().(*loops.WorkflowNodesDeleted)
	if !del.Done() || !ok || len(done.NodeIds) != 5 {
		t.Fatalf("recursive delete: %#v", del.Value())
	}
	wf = &done.Workflow
	if got := graph(t, wf); got != "BlankTrigger > SendEmailAction" || len(wf.Nodes) != 3 {
		t.Errorf("after pruning: %s (%d nodes, the orphaned timer included)", got, len(wf.Nodes))
	}

	// A single delete joins the node's parent to its child.
	del, err = c.WorkflowNodes.Delete(ctx, wf.ID, email.GetID(), &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: rev(wf)})
	check(t, err)
	if got := graph(t, &del.Value().(*loops.WorkflowNodesDeleted).Workflow); got != "BlankTrigger" {
		t.Errorf("after deleting the email: %s", got)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("contract violations: %q", v)
	}
}

// The typed constructors check what the contract bounds before anything is
// sent, and the fake holds the node limit (loops.MaxWorkflowNodes) for callers that skip them.
func TestWorkflowNodeLimits(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Limits"})
	check(t, err)
	before := len(srv.Requests())
	full := &loops.Workflow{ID: wf.ID, Nodes: map[string]loops.WorkflowNode{}}
	for i := range loops.MaxWorkflowNodes - 2 {
		full.Nodes[fmt.Sprint(i)] = loops.WorkflowNode{}
	}
	for name, tc := range map[string]struct {
		wf    *loops.Workflow
		at    loops.NodePlace
		node  loops.NodeSpec
		field string
	}{
		"a unit other than m, h or d": {wf, loops.InsertAfter(wf.RootNodeID), loops.NewTimerNode(1, "w"), "unit"},
		"a sampling rate over 100":    {wf, loops.InsertAfter(wf.RootNodeID), loops.NewExperimentNode(120), "samplingRate"},
		"a sampling rate below 0":     {wf, loops.InsertAfter(wf.RootNodeID), loops.NewExperimentNode(-1), "samplingRate"},
		"a branch past the node cap":  {full, loops.InsertAfter("0"), loops.NewBranchNode(), "node"},
		"a zero NodeSpec":             {wf, loops.InsertAfter(wf.RootNodeID), loops.NodeSpec{}, "node"},
		"a zero NodePlace":            {wf, loops.NodePlace{}, loops.NewSendEmailNode(), "insertMode"},
		"an empty node ID":            {wf, loops.InsertBetween(wf.RootNodeID, ""), loops.NewSendEmailNode(), "toNodeId"},
		"no workflow":                 {nil, loops.InsertAfter("x"), loops.NewSendEmailNode(), "workflow"},
	} {
		_, err := c.WorkflowNodes.Create(ctx, tc.wf, tc.at, tc.node)
		var ve *loops.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: want a ValidationError on %s, got %v", name, tc.field, err)
		}
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent for refused nodes", n)
	}
	// One node short of the cap: the fake refuses a branch (3 nodes) and a
	// path (1 more is fine, then full).
	const most = loops.MaxWorkflowNodes
	nodes := map[string]any{"t": map[string]any{"typeName": "SignupTrigger", "nextNodeIds": []string{"n0"}}}
	for i := range most - 2 {
		nodes[fmt.Sprint("n", i)] = map[string]any{"typeName": "ExitAction", "nextNodeIds": []string{}}
	}
	nodes["n0"] = map[string]any{"typeName": "BranchNode", "nextNodeIds": []string{}}
	big := srv.Seed("/v1/workflows", map[string]any{"name": "Big", "status": "Draft", "workflowRevisionId": nil, "rootNodeId": "t", "nodes": nodes})
	stale := &loops.Workflow{ID: big, Nodes: map[string]loops.WorkflowNode{}} // a count the client cannot know
	if _, err := c.WorkflowNodes.Create(ctx, stale, loops.InsertAfter("t"), loops.NewBranchNode()); !errors.Is(err, loops.ErrBadRequest) {
		t.Errorf("a branch into %d nodes: want the fake's 400, got %v", most-1, err)
	}
	add, err := c.WorkflowNodes.AddBranch(ctx, big, "n0", &loops.WorkflowBranchRequest{ExpectedRevisionID: loops.Null[string]()})
	check(t, err)
	if _, err := c.WorkflowNodes.AddBranch(ctx, big, "n0", &loops.WorkflowBranchRequest{ExpectedRevisionID: rev(&add.Workflow)}); !errors.Is(err, loops.ErrBadRequest) || len(add.Workflow.Nodes) != most {
		t.Errorf("node %d: want the fake's 400, got %v (%d nodes)", most+1, err, len(add.Workflow.Nodes))
	}
	del, err := c.WorkflowNodes.Delete(ctx, big, "n5", &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: rev(&add.Workflow)})
	if err != nil || !del.Done() || len(del.Value().(*loops.WorkflowNodesDeleted).Workflow.Nodes) != most-1 {
		t.Errorf("deleting a node of a seeded workflow: %v", err)
	}
}

// Node deletes and mailing-list changes report instead of acting on a dry
// run or when contacts are queued, and act only under the discard policy.
func TestQueuedContactSafety(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	wf, email, err := seedWorkflow(ctx, c)
	check(t, err)
	timer := nodeOfType(t, wf, "TimerAction")
	srv.QueueContacts(wf.ID, timer, 3)

	del := func(req *loops.WorkflowNodeDeleteRequest) *loops.WorkflowNodeDeleteResult {
		t.Helper()
		req.ExpectedRevisionID = rev(wf)
		res, err := c.WorkflowNodes.Delete(ctx, wf.ID, timer, req)
		check(t, err)
		return res
	}
	if res := del(&loops.WorkflowNodeDeleteRequest{DryRun: new(true)}); res.Done() || res.Value().GetStatus() != "dryRun" || res.Value().GetQueuedContactCount() != 3 {
		t.Errorf("dry run: %#v", res.Value())
	}
	if res := del(&loops.WorkflowNodeDeleteRequest{}); res.Done() || res.Value().GetStatus() != "queuedContactsFound" || !slices.Equal(res.Value().GetNodeIds(), []string{timer}) {
		t.Errorf("the default fail policy: %#v", res.Value())
	}
	if got, _ := c.Workflows.Get(ctx, wf.ID); got.GetWorkflowRevisionID() != wf.GetWorkflowRevisionID() || len(got.Nodes) != 4 {
		t.Fatal("a report changed the workflow")
	}
	res := del(&loops.WorkflowNodeDeleteRequest{QueuedContactPolicy: new(loops.QueuedContactPolicyDiscard)})
	deleted, ok := res.Value().(*loops.WorkflowNodesDeleted)
	if !res.Done() || !ok || deleted.QueuedContactCount != 3 || graph(t, &deleted.Workflow) != "BlankTrigger > SendEmailAction > ExitAction" {
		t.Fatalf("discard: %#v", res.Value())
	}
	wf = &deleted.Workflow

	// A new mailing list would drop the contacts queued at the email.
	srv.QueueContacts(wf.ID, email, 2)
	list := loops.Value("cm16k73gq014h0mmj5b6jdi9r")
	ml, err := c.Workflows.ChangeMailingList(ctx, wf.ID, &loops.WorkflowMailingListRequest{ExpectedRevisionID: rev(wf), MailingListID: list})
	check(t, err)
	if found, ok := ml.Value().(*loops.WorkflowMailingListQueuedContactsFound); ml.Done() || !ok || found.QueuedContactCount != 2 {
		t.Errorf("a list change over queued contacts: %#v", ml.Value())
	}
	ml, err = c.Workflows.ChangeMailingList(ctx, wf.ID, &loops.WorkflowMailingListRequest{ExpectedRevisionID: rev(wf), MailingListID: list, DryRun: new(true), QueuedContactPolicy: new(loops.QueuedContactPolicyDiscard)})
	check(t, err)
	if ml.Done() || ml.Value().GetStatus() != "dryRun" {
		t.Errorf("a dry run with discard still only reports: %#v", ml.Value())
	}
	ml, err = c.Workflows.ChangeMailingList(ctx, wf.ID, &loops.WorkflowMailingListRequest{ExpectedRevisionID: rev(wf), MailingListID: list, QueuedContactPolicy: new(loops.QueuedContactPolicyDiscard)})
	check(t, err)
	if up, ok := ml.Value().(*loops.WorkflowMailingListUpdated); !ml.Done() || !ok || up.Workflow.GetMailingListID() != "cm16k73gq014h0mmj5b6jdi9r" || up.QueuedContactCount != 2 {
		t.Errorf("discard: %#v", ml.Value())
	}
}

// Deleting a workflow with queued contacts takes a confirmation, which the
// client never gives on its own; the workflow then reads as not found.
func TestWorkflowTwoStepDelete(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	wf, email, err := seedWorkflow(ctx, c)
	check(t, err)
	srv.QueueContacts(wf.ID, email, 1)
	req := &loops.WorkflowDeleteRequest{ExpectedRevisionID: rev(wf)}
	err = c.Workflows.Delete(ctx, wf.ID, req)
	var apiErr *loops.APIError
	if !errors.Is(err, loops.ErrConfirmationRequired) || !errors.Is(err, loops.ErrConflict) || errors.Is(err, loops.ErrRevisionConflict) || !errors.As(err, &apiErr) || apiErr.Attempts != 1 {
		t.Fatalf("the first delete: want ErrConfirmationRequired (a 409, not a revision conflict), got %v", err)
	}
	if _, err := c.Workflows.Get(ctx, wf.ID); err != nil {
		t.Fatalf("the unconfirmed delete deleted: %v", err)
	}
	stale := &loops.WorkflowDeleteRequest{ExpectedRevisionID: loops.Value("rev-old"), ConfirmDelete: new(true)}
	if err := c.Workflows.Delete(ctx, wf.ID, stale); !errors.Is(err, loops.ErrRevisionConflict) || errors.Is(err, loops.ErrConfirmationRequired) {
		t.Errorf("a stale confirmed delete: want a revision conflict, got %v", err)
	}
	req.ConfirmDelete = new(true)
	check(t, c.Workflows.Delete(ctx, wf.ID, req))
	if _, err := c.Workflows.Get(ctx, wf.ID); !errors.Is(err, loops.ErrNotFound) {
		t.Errorf("a deleted workflow: want ErrNotFound, got %v", err)
	}
	if _, err := c.WorkflowNodes.Get(ctx, wf.ID, email); !errors.Is(err, loops.ErrNotFound) {
		t.Errorf("a deleted workflow's node: want ErrNotFound, got %v", err)
	}
	// A draft without queued contacts goes at once.
	wf, _, err = seedWorkflow(ctx, c)
	check(t, err)
	check(t, c.Workflows.Delete(ctx, wf.ID, &loops.WorkflowDeleteRequest{ExpectedRevisionID: rev(wf)}))
}

// otherWriter renames workflows through a second client, as someone in the
// Loops app would, just before the next n updates of a workflow arrive.
type otherWriter struct {
	mu     sync.Mutex
	client *loops.Client
	left   int  // updates still to get in front of
	busy   bool // the writer's own requests pass through the hook too
}

// arm makes the writer get in front of the next n updates.
func (w *otherWriter) arm(client *loops.Client, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.client, w.left = client, n
}

func (w *otherWriter) hook(r loopstest.Request) {
	w.mu.Lock()
	if w.busy || w.left == 0 || r.Method != "POST" || strings.Count(r.Route, "/") != 3 || !strings.HasPrefix(r.Route, "POST /v1/workflows/") {
		w.mu.Unlock()
		return
	}
	w.left--
	w.busy = true
	client := w.client
	w.mu.Unlock()
	defer func() { w.mu.Lock(); w.busy = false; w.mu.Unlock() }()
	id := strings.TrimPrefix(r.Route, "POST /v1/workflows/")
	wf, err := client.Workflows.Get(context.Background(), id)
	if err == nil {
		_, err = client.Workflows.Update(context.Background(), id, &loops.WorkflowUpdateRequest{ExpectedRevisionID: rev(wf), Description: new("edited in the app")})
	}
	if err != nil {
		panic(err)
	}
}

// Modify re-reads and reapplies the change when another writer gets in
// between, and gives up after WorkflowModifyAttempts with the last conflict.
func TestWorkflowModify(t *testing.T) {
	ctx := context.Background()
	w := &otherWriter{}
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit(), loopstest.WithRequestHook(w.hook))
	c, other := newClient(t, srv), newClient(t, srv)
	wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Shared"})
	check(t, err)
	rename := func(runs *int) func(context.Context, *loops.Workflow) error {
		return func(ctx context.Context, wf *loops.Workflow) error {
			*runs++
			_, err := c.Workflows.Update(ctx, wf.ID, &loops.WorkflowUpdateRequest{ExpectedRevisionID: rev(wf), Name: new(fmt.Sprint("Shared ", *runs))})
			return err
		}
	}

	w.arm(other, 2)
	runs := 0
	check(t, c.Workflows.Modify(ctx, wf.ID, rename(&runs)))
	got, err := c.Workflows.Get(ctx, wf.ID)
	check(t, err)
	if runs != 3 || got.GetName() != "Shared 3" || got.GetDescription() != "edited in the app" {
		t.Errorf("after two interruptions: %d runs, name %q, description %q; want 3 runs and both writers' changes", runs, got.GetName(), got.GetDescription())
	}

	w.arm(other, loops.WorkflowModifyAttempts)
	runs = 0
	err = c.Workflows.Modify(ctx, wf.ID, rename(&runs))
	if !errors.Is(err, loops.ErrRevisionConflict) || runs != loops.WorkflowModifyAttempts {
		t.Errorf("always interrupted: want the last revision conflict after %d runs, got %v after %d", loops.WorkflowModifyAttempts, err, runs)
	}

	// Other errors end it at once.
	runs = 0
	boom := errors.New("boom")
	if err := c.Workflows.Modify(ctx, wf.ID, func(context.Context, *loops.Workflow) error { runs++; return boom }); !errors.Is(err, boom) || runs != 1 {
		t.Errorf("a failing change: %v after %d runs", err, runs)
	}
	if err := c.Workflows.Modify(ctx, "missing", rename(&runs)); !errors.Is(err, loops.ErrNotFound) {
		t.Errorf("an unknown workflow: %v", err)
	}
}

// A configured create whose settings update loses to another writer
// returns the created node with an error that says its settings are the
// defaults.
func TestWorkflowCreateConfigureFails(t *testing.T) {
	ctx := context.Background()
	w := &otherWriter{}
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit(), loopstest.WithRequestHook(func(r loopstest.Request) {
		if strings.Contains(r.Route, "/nodes/") {
			w.hook(loopstest.Request{Method: "POST", Route: "POST /v1/workflows/" + strings.Split(r.Route, "/")[3]})
		}
	}))
	c := newClient(t, srv)
	wf, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Raced"})
	check(t, err)
	w.arm(newClient(t, srv), 1)
	res, err := c.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewTimerNode(5, loops.TimerUnitH))
	if !errors.Is(err, loops.ErrRevisionConflict) || res == nil || !strings.Contains(err.Error(), "created with default settings") {
		t.Fatalf("want the created node and a revision conflict saying so, got %v, %v", res, err)
	}
	if got, _ := c.Workflows.Get(ctx, wf.ID); graph(t, got) != "BlankTrigger > TimerAction > ExitAction" {
		t.Errorf("the node exists with its defaults: %s", graph(t, got))
	}
}

// Workflow and node IDs go into the path as one escaped segment; empty and
// dot-segment IDs are refused locally.
func TestWorkflowPathEscaping(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	if _, err := c.Workflows.Get(ctx, "wf/../../contacts"); !errors.Is(err, loops.ErrNotFound) {
		t.Fatalf("want the fake's 404, got %v", err)
	}
	wantWire(t, srv, "GET", "/v1/workflows/wf%2F..%2F..%2Fcontacts", "", "")
	_, err := c.WorkflowNodes.Delete(ctx, "wf 1", "n/../../x", &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: loops.Null[string]()})
	if !errors.Is(err, loops.ErrNotFound) {
		t.Fatalf("want the fake's 404, got %v", err)
	}
	wantWire(t, srv, "DELETE", "/v1/workflows/wf%201/nodes/n%2F..%2F..%2Fx", "", `{"expectedRevisionId":null}`)
	before := len(srv.Requests())
	for _, id := range []string{"", ".", ".."} {
		var ve *loops.ValidationError
		if _, err := c.Workflows.Get(ctx, id); !errors.As(err, &ve) || ve.Field != "workflowId" {
			t.Errorf("workflow %q: want a ValidationError on workflowId, got %v", id, err)
		}
		if _, err := c.WorkflowNodes.Metrics(ctx, "wf1", id); !errors.As(err, &ve) || ve.Field != "nodeId" {
			t.Errorf("node %q: want a ValidationError on nodeId, got %v", id, err)
		}
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("%d requests sent for bad IDs", n)
	}
}

// Reads retry; a revisioned write retries after a dropped connection and a
// conflict then warns that the first attempt may have applied (and Modify
// does not run the change again); a confirmed delete's replay that finds
// the workflow gone says the same; an unrevisioned create is sent once.
func TestWorkflowRetries(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	wf, email, err := seedWorkflow(ctx, c)
	check(t, err)
	srv.Inject("GET /v1/workflows/"+wf.ID, loopstest.Status(503))
	var info loops.ResponseInfo
	if _, err := c.Workflows.Get(ctx, wf.ID, loops.WithResponseInfo(&info)); err != nil || info.Attempts != 2 {
		t.Errorf("a read after a 503: %v after %d attempts", err, info.Attempts)
	}

	srv.Inject("DELETE /v1/workflows/"+wf.ID+"/nodes/"+email, loopstest.ProcessThenDrop())
	_, err = c.WorkflowNodes.Delete(ctx, wf.ID, email, &loops.WorkflowNodeDeleteRequest{ExpectedRevisionID: rev(wf)})
	var apiErr *loops.APIError
	if !errors.Is(err, loops.ErrRevisionConflict) || !errors.As(err, &apiErr) || apiErr.Attempts != 2 || !strings.Contains(err.Error(), "an earlier attempt may have applied") {
		t.Fatalf("the replay of an applied node delete: %v", err)
	}
	got, err := c.Workflows.Get(ctx, wf.ID)
	check(t, err)
	if graph(t, got) != "BlankTrigger > TimerAction > ExitAction" {
		t.Errorf("the node was deleted once: %s", graph(t, got))
	}

	runs := 0
	route := "POST /v1/workflows/" + wf.ID
	err = c.Workflows.Modify(ctx, wf.ID, func(ctx context.Context, wf *loops.Workflow) error {
		runs++
		srv.Inject(route, loopstest.ProcessThenDrop())
		_, err := c.Workflows.Update(ctx, wf.ID, &loops.WorkflowUpdateRequest{ExpectedRevisionID: rev(wf), Name: new("Once")})
		return err
	})
	if !errors.Is(err, loops.ErrRevisionConflict) || runs != 1 {
		t.Errorf("Modify after a conflict on a retried write: %v after %d runs; want the conflict after 1", err, runs)
	}

	got, err = c.Workflows.Get(ctx, wf.ID)
	check(t, err)
	srv.Inject("DELETE /v1/workflows/"+wf.ID, loopstest.ProcessThenDrop())
	err = c.Workflows.Delete(ctx, wf.ID, &loops.WorkflowDeleteRequest{ExpectedRevisionID: rev(got), ConfirmDelete: new(true)})
	if !errors.Is(err, loops.ErrNotFound) || !strings.Contains(err.Error(), "an earlier attempt may have applied") {
		t.Errorf("the replay of an applied delete: %v", err)
	}

	srv.Inject("POST /v1/workflows", loopstest.ProcessThenDrop())
	before := srv.RequestCount("POST /v1/workflows")
	if _, err := c.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Maybe"}); err == nil {
		t.Fatal("want the dropped connection's error")
	}
	if n := srv.RequestCount("POST /v1/workflows") - before; n != 1 {
		t.Errorf("an unrevisioned create was sent %d times", n)
	}
}

// Node metrics are zeros until seeded, and only send-email nodes have them.
func TestWorkflowNodeMetrics(t *testing.T) {
	ctx := context.Background()
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := newClient(t, srv)
	wf, email, err := seedWorkflow(ctx, c)
	check(t, err)
	if m, err := c.WorkflowNodes.Metrics(ctx, wf.ID, email); err != nil || *m != (loops.EmailMetrics{}) {
		t.Errorf("unseeded: %+v, %v", m, err)
	}
	srv.SetReport("/v1/workflows/"+wf.ID+"/nodes/"+email+"/metrics", loops.EmailMetrics{Sends: 10, Opens: 4})
	if m, err := c.WorkflowNodes.Metrics(ctx, wf.ID, email); err != nil || m.Sends != 10 || m.Opens != 4 {
		t.Errorf("seeded: %+v, %v", m, err)
	}
	if _, err := c.WorkflowNodes.Metrics(ctx, wf.ID, wf.RootNodeID); !errors.Is(err, loops.ErrBadRequest) {
		t.Errorf("a trigger's metrics: want ErrBadRequest, got %v", err)
	}
}

// A node type Loops adds later decodes, as an UnknownWorkflowNode whose
// edges still read, and so does an answer status this version lacks.
func TestUnknownNodeTypes(t *testing.T) {
	var wf loops.Workflow
	body := `{"id":"wf","workflowRevisionId":"r","status":"Draft","mailingListId":null,"rootNodeId":"t","nodes":{
		"t":{"typeName":"SignupTrigger","nextNodeIds":["f"]},
		"f":{"typeName":"WebhookAction","nextNodeIds":["x"],"url":"https://example.com"},
		"x":{"typeName":"ExitAction","nextNodeIds":[]}}}`
	if err := json.Unmarshal([]byte(body), &wf); err != nil {
		t.Fatalf("a workflow with an unknown node type must decode: %v", err)
	}
	u, ok := wf.Nodes["f"].Value().(*loops.UnknownWorkflowNode)
	if !ok || u.TypeName != "WebhookAction" || !slices.Equal(u.GetNextNodeIds(), []string{"x"}) || !strings.Contains(string(u.Raw), "example.com") {
		t.Fatalf("the unknown node: %#v", wf.Nodes["f"].Value())
	}
	if got := graph(t, &wf); got != "SignupTrigger > WebhookAction > ExitAction" {
		t.Errorf("graph %s", got)
	}
	var res loops.WorkflowNodeDeleteResult
	if err := json.Unmarshal([]byte(`{"status":"scheduled","nodeIds":["f"],"queuedContactCount":1}`), &res); err != nil || res.Done() || res.Value().GetQueuedContactCount() != 1 {
		t.Errorf("an unknown status must decode and not count as done: %v, %#v", err, res.Value())
	}
}

package loops_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/loopsdev/loops-go/loops"
)

// Build trigger > timer > email with typed node constructors, then read
// the graph back as typed nodes.
func ExampleWorkflowNodesService_Create() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()

	wf, err := client.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Onboarding"})
	if err != nil {
		log.Fatal(err)
	}
	timer, err := client.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewTimerNode(2, loops.TimerUnitD))
	if err != nil {
		log.Fatal(err)
	}
	email, err := client.WorkflowNodes.Create(ctx, &timer.Workflow, loops.InsertAfter(timer.Node.Value().GetID()), loops.NewSendEmailNode())
	if err != nil {
		log.Fatal(err)
	}
	wf = &email.Workflow
	for node := wf.Nodes[wf.RootNodeID].Value(); node != nil; {
		switch v := node.(type) {
		case *loops.TimerActionNode:
			fmt.Println("TimerAction waits", v.Amount, v.Unit)
		default:
			fmt.Println(v.GetTypeName())
		}
		next := node.GetNextNodeIds()
		if node = nil; len(next) == 1 {
			node = wf.Nodes[next[0]].Value()
		}
	}
	// Output:
	// BlankTrigger
	// TimerAction waits 2 d
	// SendEmailAction
	// ExitAction
}

// A node delete reports instead of acting while contacts wait at the node:
// check Done.
func ExampleWorkflowNodesService_Delete() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	wf, err := client.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Onboarding"})
	if err != nil {
		log.Fatal(err)
	}
	timer, err := client.WorkflowNodes.Create(ctx, wf, loops.InsertAfter(wf.RootNodeID), loops.NewTimerNode(1, loops.TimerUnitH))
	if err != nil {
		log.Fatal(err)
	}
	wf, nodeID := &timer.Workflow, timer.Node.Value().GetID()
	srv.QueueContacts(wf.ID, nodeID, 4)

	res, err := client.WorkflowNodes.Delete(ctx, wf.ID, nodeID, &loops.WorkflowNodeDeleteRequest{
		ExpectedRevisionID: loops.NullIfNil(wf.WorkflowRevisionID),
	})
	if err != nil {
		log.Fatal(err)
	}
	if !res.Done() { // a dry run, or contacts queued there (the default policy is fail)
		fmt.Println(res.Value().GetStatus(), res.Value().GetQueuedContactCount())
	}
	// Output:
	// queuedContactsFound 4
}

// Modify is the read-modify-write loop: it re-reads and reruns the change
// when another writer got in between.
func ExampleWorkflowsService_Modify() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	wf, err := client.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Onboarding"})
	if err != nil {
		log.Fatal(err)
	}

	err = client.Workflows.Modify(ctx, wf.ID, func(ctx context.Context, wf *loops.Workflow) error {
		_, err := client.Workflows.Update(ctx, wf.ID, &loops.WorkflowUpdateRequest{
			ExpectedRevisionID: loops.NullIfNil(wf.WorkflowRevisionID), Name: new("Onboarding v2"),
		})
		return err
	})
	got, _ := client.Workflows.Get(ctx, wf.ID)
	fmt.Println(got.GetName(), err)
	// Output:
	// Onboarding v2 <nil>
}

// Deleting a workflow with queued contacts takes a confirmation, which is
// the caller's decision.
func ExampleWorkflowsService_Delete() {
	srv, client := fakeClient()
	defer srv.Close()
	ctx := context.Background()
	wf, err := client.Workflows.Create(ctx, &loops.WorkflowCreateRequest{Name: "Onboarding"})
	if err != nil {
		log.Fatal(err)
	}
	srv.QueueContacts(wf.ID, wf.RootNodeID, 1)

	req := &loops.WorkflowDeleteRequest{ExpectedRevisionID: loops.NullIfNil(wf.WorkflowRevisionID)}
	if err := client.Workflows.Delete(ctx, wf.ID, req); errors.Is(err, loops.ErrConfirmationRequired) {
		fmt.Println("Loops asks for confirmation")
		req.ConfirmDelete = new(true) // your decision, never the client's
		err = client.Workflows.Delete(ctx, wf.ID, req)
		fmt.Println("deleted:", err == nil)
	}
	// Output:
	// Loops asks for confirmation
	// deleted: true
}

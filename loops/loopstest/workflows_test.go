package loopstest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// The node cap's 400 is built for each request: parallel requests that all
// hit it never share one answer's headers (run with -race).
func TestNodeCapAnswersInParallel(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithoutRateLimit())
	c := srv.Client(t)
	nodes := map[string]any{"t": map[string]any{"typeName": "SignupTrigger", "nextNodeIds": []string{"n0"}}}
	for i := range loops.MaxWorkflowNodes - 1 {
		nodes[fmt.Sprint("n", i)] = map[string]any{"typeName": "ExitAction", "nextNodeIds": []string{}}
	}
	nodes["n0"] = map[string]any{"typeName": "BranchNode", "nextNodeIds": []string{}}
	full := srv.Seed("/v1/workflows", map[string]any{"name": "Full", "status": "Draft", "workflowRevisionId": nil, "rootNodeId": "t", "nodes": nodes})

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = c.WorkflowNodes.AddBranch(context.Background(), full, "n0", &loops.WorkflowBranchRequest{ExpectedRevisionID: loops.Null[string]()})
		})
	}
	wg.Wait()
	for i, err := range errs {
		var apiErr *loops.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.RateLimit.Limit == 0 {
			t.Errorf("request %d: want the node cap's 400 with rate headers, got %v", i, err)
		}
	}
}

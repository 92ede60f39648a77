package loopsmcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	loopsmcp "github.com/loopsdev/loops-go/contrib/mcp"
	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// testKey is the fake's API key: no result or error may show it.
const testKey = "sk_live_mcp-test-SECRET-4f9c2a7e"

// env is an MCP client session on a loops-mcp server that talks to a
// loopstest fake in process.
type env struct {
	t    *testing.T
	fake *loopstest.Server
	cs   *mcp.ClientSession
	init *mcp.InitializeResult
}

// newEnv connects a client to a server built with cfg over the SDK's
// in-memory transports. The SDK client makes one attempt per call, so a
// dropped answer reaches the agent (and no retry waits in real time).
func newEnv(t *testing.T, cfg loopsmcp.Config, opts ...loopstest.Option) *env {
	t.Helper()
	ctx := t.Context()
	fake := loopstest.NewServer(t, append([]loopstest.Option{
		loopstest.WithoutListener(),
		loopstest.WithoutRateLimit(),
		loopstest.WithAPIKey(testKey),
		loopstest.WithTeamName("Acme test team"),
		loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome", DataVariables: []string{"firstName"}}),
	}, opts...)...)
	client, err := loops.NewClient(fake.APIKey(),
		loops.WithBaseURL(fake.URL()),
		loops.WithHTTPClient(&http.Client{Transport: fake.Transport()}),
		loops.WithoutRateLimit(),
		loops.WithMaxRetries(0),
	)
	if err != nil {
		t.Fatal(err)
	}
	cfg.APIKey, cfg.BaseURL = testKey, fake.URL()
	srv, err := loopsmcp.NewServer(ctx, client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, ct := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return &env{t: t, fake: fake, cs: cs, init: cs.InitializeResult()}
}

// result is a tool call's answer: its JSON decoded, and whether it is an
// error for the agent.
type result struct {
	text  string
	isErr bool
	m     map[string]any
}

// call calls a tool and checks that the API key appears nowhere in the
// answer, which every test thereby asserts.
func (e *env) call(tool string, args map[string]any) result {
	e.t.Helper()
	res, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		e.t.Fatalf("%s: protocol error: %v", tool, err)
	}
	b, _ := json.Marshal(res)
	if strings.Contains(string(b), testKey) {
		e.t.Fatalf("%s: the API key appears in the result: %s", tool, b)
	}
	r := result{isErr: res.IsError}
	if len(res.Content) == 1 {
		r.text = res.Content[0].(*mcp.TextContent).Text
		_ = json.Unmarshal([]byte(r.text), &r.m)
	}
	return r
}

// exec calls execute_operation.
func (e *env) exec(op string, input map[string]any, extra map[string]any) result {
	e.t.Helper()
	args := map[string]any{"operation": op, "input": input}
	for k, v := range extra {
		args[k] = v
	}
	return e.call("execute_operation", args)
}

// requests counts the fake's requests to route.
func (e *env) requests(route string) int { return e.fake.RequestCount(route) }

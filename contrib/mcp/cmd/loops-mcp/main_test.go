package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	loopsmcp "github.com/loopsdev/loops-go/contrib/mcp"
	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// TestRunOverStdio drives the command's run, as main calls it, over stdio
// pipes with the SDK's IOTransport: flags, the environment (LOOPS_API_KEY
// left out), the stdio transport and a clean exit at end of input. Without
// LOOPS_API_KEY it serves its in-process demo fake, which the
// instructions must say. It runs in-process rather than building the
// binary and starting it, which cost about 4 s of go build under make
// test (main adds only signal handling and os.Args around run), and in a
// synctest bubble, so that the demo client's pacing passes in virtual
// time.
func TestRunOverStdio(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		getenv := func(k string) string {
			if k == "LOOPS_API_KEY" {
				return ""
			}
			return os.Getenv(k)
		}
		stdinR, stdinW := io.Pipe()
		stdoutR, stdoutW := io.Pipe()
		var stderr strings.Builder
		done := make(chan error, 1)
		go func() {
			err := run(t.Context(), []string{"-allow-writes", "-allow-sends"}, getenv, stdinR, stdoutW, &stderr)
			stdoutW.Close()
			done <- err
		}()

		ctx := t.Context()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil).Connect(ctx, &mcp.IOTransport{Reader: stdoutR, Writer: stdinW}, nil)
		if err != nil {
			t.Fatal(err)
		}
		instr := cs.InitializeResult().Instructions
		if !strings.Contains(instr, "DEMO MODE") || !strings.Contains(instr, demoTeam) {
			t.Errorf("instructions do not announce the demo:\n%s", instr)
		}
		tools, err := cs.ListTools(ctx, nil)
		if err != nil || len(tools.Tools) != 3 {
			t.Fatalf("tools: %v, %v", tools, err)
		}
		text := callText(t, cs, map[string]any{"operation": "findContact", "input": map[string]any{"email": "ada@example.com"}})
		if !strings.Contains(text, "Lovelace") {
			t.Fatalf("the demo data lacks Ada: %s", text)
		}
		text = callText(t, cs, map[string]any{"operation": "createContact", "input": map[string]any{"body": map[string]any{"email": "new@example.com"}}})
		if !strings.Contains(text, `"status":200`) {
			t.Fatalf("createContact with -allow-writes: %s", text)
		}
		text = callText(t, cs, map[string]any{"operation": "sendTransactionalEmail", "input": map[string]any{"body": map[string]any{
			"transactionalId": "welcome-email", "email": "ada@example.com", "dataVariables": map[string]any{"firstName": "Ada"},
		}}})
		if !strings.Contains(text, `"idempotencyKey":"mcp-`) {
			t.Fatalf("the demo send: %s", text)
		}

		// Closing the session closes the command's stdin: run returns nil.
		if err := cs.Close(); err != nil {
			t.Errorf("closing the session: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("run after its input ended: %v", err)
		}
		if !strings.Contains(stderr.String(), "no LOOPS_API_KEY: serving an in-process fake") {
			t.Errorf("stderr does not announce the demo fake: %q", stderr.String())
		}
	})
}

func callText(t *testing.T, cs *mcp.ClientSession, args map[string]any) string {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "execute_operation", Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("tool error: %s", res.Content[0].(*mcp.TextContent).Text)
	}
	return res.Content[0].(*mcp.TextContent).Text
}

// bearerTransport adds a bearer token to every request.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func TestHTTPNeedsTheBearerToken(t *testing.T) {
	const token = "0123456789abcdef-test-token"
	fake := loopstest.NewServer(t, loopstest.WithoutListener())
	client, err := loops.NewClient(fake.APIKey(), loops.WithBaseURL(fake.URL()), loops.WithHTTPClient(&http.Client{Transport: fake.Transport()}))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := loopsmcp.NewServer(t.Context(), client, loopsmcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(httpHandler(srv, token))
	defer hs.Close()

	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}`
	for _, auth := range []string{"", "Bearer wrong-token-0123456789", "Bearer " + token + "x", token} {
		req, _ := http.NewRequest(http.MethodPost, hs.URL, strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, resp.StatusCode)
		}
	}

	transport := &mcp.StreamableClientTransport{Endpoint: hs.URL, HTTPClient: &http.Client{Transport: bearerTransport{token}}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil).Connect(t.Context(), transport, nil)
	if err != nil {
		t.Fatalf("with the token: %v", err)
	}
	defer cs.Close()
	if tools, err := cs.ListTools(t.Context(), nil); err != nil || len(tools.Tools) != 3 {
		t.Fatalf("tools over HTTP: %v, %v", tools, err)
	}
}

func TestHTTPListenerNeedsAToken(t *testing.T) {
	const token = "0123456789abcdef"
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8765", token, true},
		{"[::1]:8765", token, true},
		{"localhost:8765", token, true},
		{"127.0.0.1:8765", "", false},
		{"127.0.0.1:8765", "short", false},
		{"0.0.0.0:8765", "", false},
		{"192.0.2.1:8765", "", false},
		{"192.0.2.1:8765", token, true},
		{":8765", token, false}, // every interface: name one
		{"no-port", token, false},
	} {
		err := checkListen(tc.addr, tc.token)
		if (err == nil) != tc.ok {
			t.Errorf("checkListen(%q, %q) = %v", tc.addr, tc.token, err)
		}
	}
	// run refuses before it starts anything.
	err := run(t.Context(), []string{"-transport", "http", "-addr", "0.0.0.0:0"}, func(string) string { return "" }, nil, nil, &strings.Builder{})
	if err == nil || !strings.Contains(err.Error(), "non-loopback") {
		t.Fatalf("run over HTTP on 0.0.0.0 without a token: %v", err)
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags([]string{"-allow-sends", "-require-team", "-operation-tools"}, &strings.Builder{})
	if err != nil || !o.policy.AllowSends || o.policy.AllowWrites || o.policy.AllowDestructive || !o.policy.RequireTeam || !o.operationTools || o.transport != "stdio" {
		t.Fatalf("parseFlags: %+v, %v", o, err)
	}
	if _, err := parseFlags([]string{"-transport", "sse"}, &strings.Builder{}); err == nil {
		t.Fatal("-transport sse accepted")
	}
	if o, _ := parseFlags(nil, &strings.Builder{}); o.policy != (loopsmcp.Policy{}) || o.addr != "127.0.0.1:8765" {
		t.Fatalf("defaults: %+v", o)
	}
}

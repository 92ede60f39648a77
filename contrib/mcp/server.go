package loopsmcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/loopsdev/loops-go/loops"
)

// Config sets up a server. The zero Config (with a client) serves the
// three small-context tools, read-only.
type Config struct {
	// Policy says which safety classes are enabled; the zero Policy is
	// read-only.
	Policy Policy
	// OperationTools adds one tool per enabled operation, named by its
	// operationId and annotated by its class, besides the three
	// small-context tools.
	OperationTools bool
	// BaseURL is the client's base URL, shown in dry runs; empty means
	// loops.DefaultBaseURL.
	BaseURL string
	// Demo says the client talks to an in-process loopstest fake; the
	// instructions then say that nothing reaches Loops.
	Demo bool
	// APIKey, when set, is removed from every result and error the server
	// returns, on top of the SDK client's own redaction.
	APIKey string
	// Version is reported to clients as the server's version.
	Version string
}

// server is the state behind the tools of one MCP server.
type server struct {
	client *loops.Client
	cfg    Config
	cat    *catalog
	team   string
}

// NewServer returns an MCP server whose tools call Loops through client.
// It first checks the API key with GET /v1/api-key (Account.TestAPIKey)
// and names the key's team in the server's instructions.
func NewServer(ctx context.Context, client *loops.Client, cfg Config) (*mcp.Server, error) {
	if client == nil {
		return nil, errors.New("loops-mcp: NewServer needs a *loops.Client")
	}
	cat, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = loops.DefaultBaseURL
	}
	key, err := client.Account.TestAPIKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("loops-mcp: checking the API key: %w", err)
	}
	s := &server{client: client, cfg: cfg, cat: cat, team: key.TeamName}
	srv := mcp.NewServer(&mcp.Implementation{Name: "loops-mcp", Version: cfg.Version}, &mcp.ServerOptions{Instructions: s.instructions()})
	s.addTools(srv)
	return srv, nil
}

func (s *server) instructions() string {
	var b strings.Builder
	if s.cfg.Demo {
		fmt.Fprintf(&b, "DEMO MODE: no LOOPS_API_KEY was set, so this server talks to an in-process fake of Loops (loopstest) seeded with sample data, team %q. Nothing reaches Loops and no email is sent.\n", s.team)
	} else {
		fmt.Fprintf(&b, "This server acts on the Loops team %q (the team of its API key). Changes are real.\n", s.team)
	}
	var enabled []string
	for _, c := range s.cfg.Policy.enabled() {
		enabled = append(enabled, c.String())
	}
	fmt.Fprintf(&b, "Enabled operation classes: %s.", strings.Join(enabled, ", "))
	for _, c := range []Class{Write, Send, Destructive} {
		if flag := s.cfg.Policy.flagFor(c); flag != "" {
			fmt.Fprintf(&b, " %s operations are disabled (the operator can enable them with %s).", c, flag)
		}
	}
	b.WriteString(`
Use search_operations to find an operation, describe_operation for its input schema, and execute_operation to call it ("dryRun": true shows the exact request and the local validation without sending).
Send operations always carry an idempotencyKey, returned in the result: when a send's outcome is unclear, retry with the same key and Loops will not send twice. Destructive operations need "confirm": true, given only after the user agreed to the exact change. Feedback needs "userApproved": true, given only after the user saw and approved the text.`)
	if s.cfg.Policy.RequireTeam {
		fmt.Fprintf(&b, "\nEvery operation but reads must name the team: \"team\": %q.", s.team)
	}
	return b.String()
}

// addTools registers the small-context tools and, when configured, one
// tool per enabled operation.
func (s *server) addTools(srv *mcp.Server) {
	srv.AddTool(&mcp.Tool{
		Name:        "search_operations",
		Title:       "Search Loops operations",
		Description: "Lists the Loops API operations whose name, path, area or description contain every word of query (all operations when query is empty), with each one's safety class and whether this server allows it.",
		InputSchema: objectSchema(map[string]any{
			"query": map[string]any{"type": "string", "description": "Words to look for, such as \"contact delete\"."},
			"class": map[string]any{"type": "string", "enum": classNames[:], "description": "Only operations of this safety class."},
		}),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(false)},
	}, s.handle(s.search))
	srv.AddTool(&mcp.Tool{
		Name:        "describe_operation",
		Title:       "Describe a Loops operation",
		Description: "Returns one operation's description, safety class, the arguments its class needs, and the JSON Schema of its input (execute_operation's \"input\").",
		InputSchema: objectSchema(map[string]any{
			"operation": map[string]any{"type": "string", "description": "The operation's name, as search_operations lists it."},
		}, "operation"),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(false)},
	}, s.handle(s.describe))
	props := controlProps()
	props["operation"] = map[string]any{"type": "string", "description": "The operation's name, as search_operations lists it."}
	props["input"] = map[string]any{"type": "object", "description": "The operation's input, as describe_operation's inputSchema gives it: parameters by name, the request body as \"body\"."}
	srv.AddTool(&mcp.Tool{
		Name:        "execute_operation",
		Title:       "Execute a Loops operation",
		Description: "Calls one Loops API operation, subject to this server's safety policy. With \"dryRun\": true it returns the exact request and its validation and sends nothing.",
		InputSchema: objectSchema(props, "operation"),
		Annotations: s.executeAnnotations(),
	}, s.handle(s.execute))
	if !s.cfg.OperationTools {
		return
	}
	for _, op := range s.cat.ops {
		if !s.cfg.Policy.allows(op.Class) {
			continue // a tool the server would refuse only costs context
		}
		srv.AddTool(operationTool(op), s.handle(s.operationHandler(op)))
	}
}

// operationTool is op as a tool of its own: its input schema under
// "input" beside the control arguments, its class as annotations.
func operationTool(op *Operation) *mcp.Tool {
	props := controlProps()
	input := make(map[string]any, len(op.InputSchema))
	var defs any
	for k, v := range op.InputSchema {
		if k == "$defs" {
			defs = v // $ref paths point at the root of the tool's schema
			continue
		}
		input[k] = v
	}
	props["input"] = input
	var required []string
	if req, _ := op.InputSchema["required"].([]string); len(req) > 0 {
		required = append(required, "input")
	}
	schema := objectSchema(props, required...)
	if defs != nil {
		schema["$defs"] = defs
	}
	return &mcp.Tool{
		Name:        op.Name,
		Title:       op.Summary,
		Description: fmt.Sprintf("%s %s (%s). %s", op.Method, op.Path, op.Class, op.Description),
		InputSchema: schema,
		Annotations: annotations(op.Class, op.Idempotent),
	}
}

// annotations are the MCP hints of a class.
func annotations(c Class, idempotent bool) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{
		ReadOnlyHint:    c == Read,
		DestructiveHint: new(c == Destructive),
		IdempotentHint:  idempotent,
		OpenWorldHint:   new(true),
	}
}

// executeAnnotations describe execute_operation by the most dangerous
// class the policy enables: read-only when only reads are.
func (s *server) executeAnnotations() *mcp.ToolAnnotations {
	enabled := s.cfg.Policy.enabled()
	top := enabled[len(enabled)-1]
	return annotations(top, top == Read)
}

// controlProps are the arguments the server itself reads.
func controlProps() map[string]any {
	return map[string]any{
		"dryRun":         map[string]any{"type": "boolean", "description": "Return the exact request (API key redacted) and its local validation without sending anything."},
		"confirm":        map[string]any{"type": "boolean", "description": "Required true for destructive operations, set only after the user agreed to this exact change."},
		"idempotencyKey": map[string]any{"type": "string", "maxLength": 100, "description": "Send operations: the key of this send. Omit it on a first try (one is generated and returned); repeat the returned key when retrying an unclear send."},
		"userApproved":   map[string]any{"type": "boolean", "description": "Required true for feedback: the user saw the exact text and approved sending it."},
		"team":           map[string]any{"type": "string", "description": "The Loops team name, when the server requires changes to name it."},
	}
}

func objectSchema(props map[string]any, required ...string) map[string]any {
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// toolFunc is a tool's body: a JSON-able result, or a result flagged as
// an error for the agent.
type toolFunc func(ctx context.Context, raw json.RawMessage) (result any, ok bool)

// handle adapts a toolFunc to the SDK: the result goes out as JSON text
// with the API key removed, and a failure as a tool error the agent reads.
func (s *server) handle(f toolFunc) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		result, ok := f(ctx, req.Params.Arguments)
		b, err := json.Marshal(result) // compact: every byte is agent context
		if err != nil {
			b, ok = []byte("loops-mcp: encoding the result: "+err.Error()), false
		}
		text := s.redact(string(b))
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, IsError: !ok}, nil
	}
}

func (s *server) redact(text string) string {
	if s.cfg.APIKey == "" {
		return text
	}
	return strings.ReplaceAll(text, s.cfg.APIKey, "[redacted]")
}

// decode reads a tool's arguments strictly: an unknown argument is an
// error the agent sees, not something silently ignored.
func decode(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid arguments: %w", err)
	}
	return nil
}

// failure is a tool error's body.
type failure struct {
	Error    string `json:"error"`
	WhatToDo string `json:"whatToDo,omitempty"`
}

func (s *server) lookup(name string) (*Operation, *failure) {
	if op := s.cat.byName[name]; op != nil {
		return op, nil
	}
	return nil, &failure{Error: fmt.Sprintf("no operation is named %q", name), WhatToDo: "Find the name with search_operations."}
}

func (s *server) execute(ctx context.Context, raw json.RawMessage) (any, bool) {
	var args callArgs
	if err := decode(raw, &args); err != nil {
		return failure{Error: err.Error()}, false
	}
	op, f := s.lookup(args.Operation)
	if f != nil {
		return f, false
	}
	return s.call(ctx, op, args)
}

func (s *server) operationHandler(op *Operation) toolFunc {
	return func(ctx context.Context, raw json.RawMessage) (any, bool) {
		var args callArgs
		if err := decode(raw, &args); err != nil {
			return failure{Error: err.Error()}, false
		}
		if args.Operation != "" && args.Operation != op.Name {
			return failure{Error: "this tool calls " + op.Name + " only"}, false
		}
		return s.call(ctx, op, args)
	}
}

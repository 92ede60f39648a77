package loopsmcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.yaml.in/yaml/v4"

	loopsmcp "github.com/loopsdev/loops-go/contrib/mcp"
	"github.com/loopsdev/loops-go/loops/loopstest"
	"github.com/loopsdev/loops-go/openapi"
)

var allowAll = loopsmcp.Policy{AllowWrites: true, AllowSends: true, AllowDestructive: true}

func listTools(t *testing.T, e *env) map[string]*mcp.Tool {
	t.Helper()
	res, err := e.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string]*mcp.Tool{}
	for _, tool := range res.Tools {
		tools[tool.Name] = tool
	}
	return tools
}

func TestListToolsReadOnlyByDefault(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{})
	tools := listTools(t, e)
	if len(tools) != 3 || tools["search_operations"] == nil || tools["describe_operation"] == nil || tools["execute_operation"] == nil {
		t.Fatalf("tools = %v, want the three small-context tools", slices.Collect(mapsKeys(tools)))
	}
	for name, tool := range tools {
		if !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s: readOnlyHint false on a read-only server", name)
		}
	}
	for _, want := range []string{`"Acme test team"`, "-allow-writes", "-allow-sends", "-allow-destructive"} {
		if !strings.Contains(e.init.Instructions, want) {
			t.Errorf("instructions lack %s:\n%s", want, e.init.Instructions)
		}
	}
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestOperationToolsCarryTheirClass(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: allowAll, OperationTools: true})
	tools := listTools(t, e)
	ops, err := loopsmcp.Operations()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(tools); got != len(ops)+3 {
		t.Errorf("%d tools, want %d operations + 3", got, len(ops))
	}
	if a := tools["execute_operation"].Annotations; a.ReadOnlyHint || !*a.DestructiveHint {
		t.Errorf("execute_operation with everything enabled: %+v, want destructive", a)
	}
	for _, op := range ops {
		tool := tools[op.Name]
		if tool == nil {
			t.Errorf("no tool for %s", op.Name)
			continue
		}
		a := tool.Annotations
		if a.ReadOnlyHint != (op.Class == loopsmcp.Read) || *a.DestructiveHint != (op.Class == loopsmcp.Destructive) || a.IdempotentHint != op.Idempotent {
			t.Errorf("%s (%s): annotations %+v", op.Name, op.Class, a)
		}
	}

	// Read-only: only the read operations get tools.
	ro := listTools(t, newEnv(t, loopsmcp.Config{OperationTools: true}))
	for _, op := range ops {
		if (ro[op.Name] != nil) != (op.Class == loopsmcp.Read) {
			t.Errorf("read-only server: tool %s present = %v", op.Name, ro[op.Name] != nil)
		}
	}
}

// contractOperations lists the operationIds of the contract, read here
// straight from the YAML so that the server's own parsing is checked.
func contractOperations(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `yaml:"operationId"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapi.Spec(), &doc); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, item := range doc.Paths {
		for method, op := range item {
			if method != "parameters" && op.OperationID != "" {
				ids = append(ids, op.OperationID)
			}
		}
	}
	slices.Sort(ids)
	return ids
}

// TestEveryContractOperationIsReachable fails when an operation of the
// contract cannot be found, described and called (as a dry run) through
// the tools, or when its input schema is not valid JSON Schema.
func TestEveryContractOperationIsReachable(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: allowAll})
	ids := contractOperations(t)
	listed := e.call("search_operations", nil)
	if n := int(listed.m["count"].(float64)); n != len(ids) {
		t.Errorf("search with no query lists %d operations; the contract has %d", n, len(ids))
	}
	for _, id := range ids {
		found := e.call("search_operations", map[string]any{"query": id})
		if !strings.Contains(found.text, `"name":"`+id+`"`) {
			t.Errorf("search %q does not find it: %s", id, found.text)
			continue
		}
		d := e.call("describe_operation", map[string]any{"operation": id})
		if d.isErr {
			t.Errorf("describe %s: %s", id, d.text)
			continue
		}
		schema, _ := json.Marshal(d.m["inputSchema"])
		var js jsonschema.Schema
		if err := json.Unmarshal(schema, &js); err != nil {
			t.Errorf("%s: input schema: %v", id, err)
		} else if _, err := js.Resolve(nil); err != nil {
			t.Errorf("%s: input schema does not resolve: %v", id, err)
		}
		input := map[string]any{}
		path := d.m["path"].(string)
		for _, name := range anyStrings(d.m["inputSchema"].(map[string]any)["required"]) {
			if name == "body" {
				input["body"] = map[string]any{}
				continue
			}
			input[name] = "id1"
			path = strings.Replace(path, "{"+name+"}", "id1", 1)
		}
		run := e.exec(id, input, map[string]any{"dryRun": true})
		req, _ := run.m["request"].(map[string]any)
		if run.isErr || req == nil || req["method"] != d.m["method"] || !strings.HasPrefix(req["url"].(string), e.fake.URL()+path) {
			t.Errorf("dry run of %s (%s %s): %s", id, d.m["method"], path, run.text)
		}
	}
	if got := e.fake.Requests(); len(got) != 1 { // GET /v1/api-key at start
		t.Errorf("dry runs sent %d requests", len(got)-1)
	}
}

func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, s := range list {
		out = append(out, s.(string))
	}
	return out
}

func TestSafetyClassesFromTheContract(t *testing.T) {
	ops, err := loopsmcp.Operations()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]loopsmcp.Class{
		"testApiKey": loopsmcp.Read, "findContact": loopsmcp.Read, "listCampaigns": loopsmcp.Read,
		"createContact": loopsmcp.Write, "updateContact": loopsmcp.Write, "updateCampaign": loopsmcp.Write,
		"createWorkflowNode": loopsmcp.Write, "completeUpload": loopsmcp.Write,
		"sendEvent": loopsmcp.Send, "sendTransactionalEmail": loopsmcp.Send, "previewEmailMessage": loopsmcp.Send,
		"deleteContact": loopsmcp.Destructive, "removeContactSuppression": loopsmcp.Destructive,
		"deleteWorkflow": loopsmcp.Destructive, "deleteWorkflowNode": loopsmcp.Destructive,
		"deleteWorkflowNodeRecursively": loopsmcp.Destructive,
	}
	for _, op := range ops {
		if op.Class < loopsmcp.Read || op.Class > loopsmcp.Destructive {
			t.Errorf("%s has no class (%v)", op.Name, op.Class)
		}
		if c, ok := want[op.Name]; ok && c != op.Class {
			t.Errorf("%s is %s, want %s", op.Name, op.Class, c)
		}
		delete(want, op.Name)
		if op.Method == "GET" && op.Class != loopsmcp.Read {
			t.Errorf("%s: a GET classed %s", op.Name, op.Class)
		}
		if strings.Contains(strings.ToLower(op.Name), "delete") && op.Class != loopsmcp.Destructive {
			t.Errorf("%s deletes but is classed %s", op.Name, op.Class)
		}
		if op.Tag == "Feedback" && (op.Class != loopsmcp.Send || !op.NeedsApproval) {
			t.Errorf("%s: feedback must be a send needing the user's approval", op.Name)
		}
		if op.Keyed != (op.Name == "sendEvent" || op.Name == "sendTransactionalEmail") {
			t.Errorf("%s: keyed = %v", op.Name, op.Keyed)
		}
	}
	for name := range want {
		t.Errorf("the contract has no operation %s", name)
	}
}

func TestReadWorks(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{})
	r := e.exec("listMailingLists", nil, nil)
	if r.isErr || r.m["sent"] != true || !strings.Contains(r.text, "Newsletter") {
		t.Fatalf("listMailingLists: %s", r.text)
	}
	r = e.exec("findContact", map[string]any{"email": "nobody@example.com"}, nil)
	if r.isErr || r.m["status"] != float64(200) {
		t.Fatalf("findContact: %s", r.text)
	}
}

func TestWriteNeedsItsFlag(t *testing.T) {
	body := map[string]any{"body": map[string]any{"email": "new@example.com", "firstName": "New"}}
	e := newEnv(t, loopsmcp.Config{})
	r := e.exec("createContact", body, nil)
	if !r.isErr || r.m["sent"] != false || !strings.Contains(r.text, "-allow-writes") {
		t.Fatalf("createContact on a read-only server: %s", r.text)
	}
	if n := e.requests("POST /v1/contacts/create"); n != 0 {
		t.Fatalf("the refused write reached the fake %d times", n)
	}

	e = newEnv(t, loopsmcp.Config{Policy: loopsmcp.Policy{AllowWrites: true}})
	if r := e.exec("createContact", body, nil); r.isErr {
		t.Fatalf("createContact with -allow-writes: %s", r.text)
	}
	if _, ok := e.fake.Contact("new@example.com"); !ok {
		t.Fatal("the contact was not created")
	}
	// Writes do not open sends.
	if r := e.exec("sendEvent", map[string]any{"body": map[string]any{"email": "new@example.com", "eventName": "signup"}}, nil); !r.isErr || !strings.Contains(r.text, "-allow-sends") {
		t.Fatalf("sendEvent with only -allow-writes: %s", r.text)
	}
}

func TestInvalidInputIsRefusedLocally(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: loopsmcp.Policy{AllowWrites: true}})
	r := e.exec("createContact", map[string]any{"body": map[string]any{"firstName": "No email"}}, nil)
	if !r.isErr || r.m["sent"] != false || !strings.Contains(r.text, "email") {
		t.Fatalf("createContact without email: %s", r.text)
	}
	r = e.exec("createContact", map[string]any{"bogus": 1}, nil)
	if !r.isErr || !strings.Contains(r.m["error"].(string), `"bogus"`) {
		t.Fatalf("unknown input field: %s", r.text)
	}
	if n := e.requests("POST /v1/contacts/create"); n != 0 {
		t.Fatalf("invalid input reached the fake %d times", n)
	}
}

func TestDestructiveNeedsConfirmation(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: loopsmcp.Policy{AllowWrites: true, AllowDestructive: true}})
	e.exec("createContact", map[string]any{"body": map[string]any{"email": "gone@example.com"}}, nil)
	del := map[string]any{"body": map[string]any{"email": "gone@example.com"}}
	r := e.exec("deleteContact", del, nil)
	if !r.isErr || !strings.Contains(fmt.Sprint(r.m["refused"]), `"confirm": true`) {
		t.Fatalf("deleteContact without confirm: %s", r.text)
	}
	if _, ok := e.fake.Contact("gone@example.com"); !ok || e.requests("POST /v1/contacts/delete") != 0 {
		t.Fatal("the unconfirmed delete reached the fake")
	}
	if r := e.exec("deleteContact", del, map[string]any{"confirm": true}); r.isErr {
		t.Fatalf("confirmed deleteContact: %s", r.text)
	}
	if _, ok := e.fake.Contact("gone@example.com"); ok {
		t.Fatal("the confirmed delete did not delete")
	}
	// The flag is needed as well as the confirmation.
	e = newEnv(t, loopsmcp.Config{Policy: loopsmcp.Policy{AllowWrites: true}})
	if r := e.exec("deleteContact", del, map[string]any{"confirm": true}); !r.isErr || !strings.Contains(r.text, "-allow-destructive") {
		t.Fatalf("deleteContact without -allow-destructive: %s", r.text)
	}
}

func TestSendRetriedAfterDroppedResponseReachesLoopsOnce(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: loopsmcp.Policy{AllowSends: true}})
	e.fake.Inject("POST /v1/transactional", loopstest.ProcessThenDrop())
	send := map[string]any{"body": map[string]any{"transactionalId": "welcome", "email": "ada@example.com", "dataVariables": map[string]any{"firstName": "Ada"}}}
	first := e.exec("sendTransactionalEmail", send, nil)
	key, _ := first.m["idempotencyKey"].(string)
	if !first.isErr || key == "" || !strings.Contains(first.text, "same idempotencyKey") {
		t.Fatalf("the dropped send should fail with its key and advice: %s", first.text)
	}
	again := e.exec("sendTransactionalEmail", send, map[string]any{"idempotencyKey": key})
	if again.isErr || again.m["deduplicated"] != true || again.m["idempotencyKey"] != key {
		t.Fatalf("the retry under the same key: %s", again.text)
	}
	if n := len(e.fake.TransactionalSends()); n != 1 {
		t.Fatalf("the email was sent %d times, want 1", n)
	}
	if n := e.requests("POST /v1/transactional"); n != 2 {
		t.Fatalf("%d requests, want 2 (the send and its keyed retry)", n)
	}
}

func TestSendsAlwaysCarryAKey(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: loopsmcp.Policy{AllowSends: true}})
	r := e.exec("sendEvent", map[string]any{"body": map[string]any{"email": "ada@example.com", "eventName": "signup"}}, nil)
	key, _ := r.m["idempotencyKey"].(string)
	if r.isErr || key == "" {
		t.Fatalf("sendEvent: %s", r.text)
	}
	reqs := e.fake.Requests()
	if got := reqs[len(reqs)-1].Header.Get("Idempotency-Key"); got != key {
		t.Fatalf("Loops got key %q; the agent was told %q", got, key)
	}
}

func TestDryRunSendsNothing(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{})
	before := len(e.fake.Requests())
	r := e.exec("sendTransactionalEmail", map[string]any{"body": map[string]any{"transactionalId": "welcome", "email": "ada@example.com"}},
		map[string]any{"dryRun": true, "idempotencyKey": "order-42"})
	if r.isErr || r.m["sent"] != false || r.m["validation"] != "ok" {
		t.Fatalf("dry run: %s", r.text)
	}
	req := r.m["request"].(map[string]any)
	h := req["headers"].(map[string]any)
	if req["method"] != "POST" || req["url"] != e.fake.URL()+"/v1/transactional" || h["Authorization"] != "Bearer [redacted]" || h["Idempotency-Key"] != "order-42" {
		t.Fatalf("dry-run request: %v", req)
	}
	if b := req["body"].(map[string]any); b["transactionalId"] != "welcome" {
		t.Fatalf("dry-run body: %v", b)
	}
	if !strings.Contains(r.text, "-allow-sends") {
		t.Fatalf("the dry run should say the send would be refused: %s", r.text)
	}
	bad := e.exec("createContact", map[string]any{"body": map[string]any{}}, map[string]any{"dryRun": true})
	if bad.isErr || bad.m["validation"] == "ok" {
		t.Fatalf("a dry run of an invalid request should report the validation failure: %s", bad.text)
	}
	if n := len(e.fake.Requests()) - before; n != 0 {
		t.Fatalf("dry runs sent %d requests", n)
	}
}

func TestRequireTeam(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: loopsmcp.Policy{AllowWrites: true, RequireTeam: true}})
	body := map[string]any{"body": map[string]any{"email": "t@example.com"}}
	if r := e.exec("createContact", body, map[string]any{"team": "Production"}); !r.isErr || !strings.Contains(r.text, "Acme test team") {
		t.Fatalf("a write naming the wrong team: %s", r.text)
	}
	if r := e.exec("createContact", body, map[string]any{"team": "Acme test team"}); r.isErr {
		t.Fatalf("a write naming the team: %s", r.text)
	}
	if r := e.exec("listMailingLists", nil, nil); r.isErr {
		t.Fatalf("reads need no team: %s", r.text)
	}
}

func TestAPIErrorsAreClearAndRedacted(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{})
	// Loops echoing the key must not pass it on (call checks every result).
	e.fake.Inject("GET /v1/lists", loopstest.Reply(400, `{"success":false,"message":"key `+testKey+` is not allowed here"}`))
	r := e.exec("listMailingLists", nil, nil)
	if !r.isErr || r.m["status"] != float64(400) || !strings.Contains(r.text, "is not allowed here") || r.m["whatToDo"] == "" {
		t.Fatalf("400: %s", r.text)
	}
	e.fake.Inject("GET /v1/lists", loopstest.Status(503))
	if r := e.exec("listMailingLists", nil, nil); !r.isErr || !strings.Contains(r.text, "503") {
		t.Fatalf("503: %s", r.text)
	}
}

func TestUnknownOperation(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{})
	if r := e.exec("sendSpam", nil, nil); !r.isErr || !strings.Contains(r.text, "search_operations") {
		t.Fatalf("unknown operation: %s", r.text)
	}
	if r := e.call("execute_operation", map[string]any{"operation": "listMailingLists", "surprise": true}); !r.isErr {
		t.Fatalf("an unknown argument should be refused: %s", r.text)
	}
}

func TestNewServerChecksTheKey(t *testing.T) {
	_, err := loopsmcp.NewServer(context.Background(), nil, loopsmcp.Config{})
	if err == nil {
		t.Fatal("NewServer(nil client) succeeded")
	}
}

// TestGoModHasNoReplace keeps `go install .../cmd/loops-mcp@version`
// working: the go command refuses to install from a module whose go.mod
// holds a replace directive. Development here replaces the main module in
// go.work instead, which go install ignores.
func TestGoModHasNoReplace(t *testing.T) {
	data, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if strings.HasPrefix(strings.TrimSpace(line), "replace") {
			t.Errorf("go.mod holds a replace directive, which breaks go install: %s", line)
		}
	}
}

// TestApprovalOperationsNeedUserApproval covers every operation the
// contract marks as text for Loops' staff (the Feedback tag): without
// "userApproved": true it is refused and nothing is sent.
func TestApprovalOperationsNeedUserApproval(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: allowAll})
	ops, err := loopsmcp.Operations()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if !op.NeedsApproval {
			continue
		}
		route := op.Method + " " + op.Path
		r := e.exec(op.Name, map[string]any{"body": map[string]any{"details": "Listing a mailing list's contacts is missing."}}, nil)
		if !r.isErr || !strings.Contains(fmt.Sprint(r.m["refused"]), "userApproved") || e.requests(route) != 0 {
			t.Errorf("%s without userApproved: %s", op.Name, r.text)
		}
		d := e.exec(op.Name, nil, map[string]any{"dryRun": true, "userApproved": true})
		if strings.Contains(fmt.Sprint(d.m["refused"]), "userApproved") {
			t.Errorf("%s with userApproved still refused: %s", op.Name, d.text)
		}
	}
}

func TestAdviceAfterAnUnclearWrite(t *testing.T) {
	e := newEnv(t, loopsmcp.Config{Policy: loopsmcp.Policy{AllowWrites: true}})
	e.fake.Inject("POST /v1/contacts/create", loopstest.Status(503))
	r := e.exec("createContact", map[string]any{"body": map[string]any{"email": "x@example.com"}}, nil)
	if !r.isErr || !strings.Contains(r.m["whatToDo"].(string), "before repeating it") {
		t.Fatalf("a 503 on a create must warn against a blind repeat: %s", r.text)
	}
}

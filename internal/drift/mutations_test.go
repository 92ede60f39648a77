package drift

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// nodeCap is the declaration the watched-fact mutations are checked with.
const nodeCap = `facts:
  - name: workflow node cap
    value: 400
    source: Loops OpenAPI 1.21.14
    upstream:
      - at: createWorkflowNode.description
        text: Public workflows can have up to 400 nodes.
    dependents:
      - go: loops.MaxWorkflowNodes
`

// watchedDigestOf digests a parsed document with the texts of the facts it
// watches.
func watchedDigestOf(parsed *openapi3.T, raw []byte, facts []Fact) (*Digest, map[string]string) {
	texts := prose(parsed, facts)
	d := FromDocument(parsed, raw)
	d.Prose = found(facts, texts)
	return d, texts
}

// mutated parses a copy of the tree with the change made, if any.
func mutated(t *testing.T, tree *yaml.Node, c change) *openapi3.T {
	t.Helper()
	doc := copyTree(tree)
	if c != nil {
		if err := c(doc); err != nil {
			t.Fatal(err)
		}
	}
	parsed, err := parseTree(doc)
	if err != nil {
		t.Fatal(err)
	}
	return parsed
}

// upstreamMoves digests a mutated copy of Loops' spec and returns the
// report lines of the gate against the digest was of the original: the
// moved facts and the watched texts that changed.
func upstreamMoves(t *testing.T, was *Digest, parsed *openapi3.T) []string {
	t.Helper()
	facts, err := ParseFacts([]byte(nodeCap))
	if err != nil {
		t.Fatal(err)
	}
	// The copy has no text of its own; the report shows no checksum.
	now, texts := watchedDigestOf(parsed, nil, facts)
	var out []string
	for _, f := range Compare(now, was, Upstream) {
		out = append(out, f.String())
	}
	return append(out, checkFacts(facts, texts, now.Source.Version)...)
}

// Each move of Loops' real 1.21.14 document fails the gate, with a line
// that names it; an unchanged copy, a whitespace edit and a changed
// unwatched sentence pass.
func TestGateOnMutatedRealSpec(t *testing.T) {
	t.Parallel()
	spec, parsed := sharedDoc(t, spec1_21_14)
	tree := sharedTree(t, spec1_21_14)
	facts, err := ParseFacts([]byte(nodeCap))
	if err != nil {
		t.Fatal(err)
	}
	// The digest the moves are held against comes from the shared parse of
	// the text; each mutated copy of its tree, and the unchanged one, is
	// parsed on its own (see tree_test.go).
	was, _ := watchedDigestOf(parsed, spec, facts)
	const (
		schemas     = "components.schemas."
		nodeUnion   = schemas + "WorkflowMutationNode"
		apiKey      = "paths./v1/api-key.get"
		createNode  = "paths./v1/workflows/{workflowId}/nodes.post"
		nodeCapText = "Public workflows can have up to 400 nodes. Generated children count"
	)
	fails := []struct {
		name   string
		change change
		want   []string // every one must be in a single report line
	}{
		{"an enum value reached only through a oneOf alternative", insertAt(schemas+"WorkflowTimerUnit.enum", -1, "w"),
			[]string{"~ ", "<typeName=TimerAction>.unit", `enum value "w" only in new upstream`}},
		{"a type change inside an alternative", setAt(schemas+"WorkflowReEligible.type", "string"),
			[]string{"<typeName=EventTrigger>.reEligible", "type string → boolean"}},
		{"a new alternative", insertAt(nodeUnion+".oneOf", 0, "{type: object, properties: {id: {type: string}, typeName: {type: string, enum: [WebhookAction]}}, required: [id, typeName]}"),
			[]string{"+ ", "oneOf alternative <typeName=WebhookAction> only in new upstream", "properties id, typeName"}},
		{"a dropped alternative", removeFrom(nodeUnion+".oneOf", `$ref: "#/components/schemas/VariantWorkflowMutationNode"`),
			[]string{"- ", "oneOf alternative <typeName=VariantNode> only in digest"}},
		{"a required flag added inside an alternative", insertAt(schemas+"VariantWorkflowMutationNode.required", -1, "isControl"),
			[]string{"<typeName=VariantNode>.isControl", "required true → false"}},
		{"a limit added inside an alternative", setAt(schemas+"WorkflowTimerAmount.minimum", "0"),
			[]string{"~ ", "<typeName=TimerAction>.amount", "minimum 0 → none"}},
		{"nullable inside an alternative", setAt(schemas+"SendEmailActionWorkflowMutationNode.properties.subject.type", `[string, "null"]`),
			[]string{"~ ", "<typeName=SendEmailAction>.subject", "nullable true → false"}},
		{"a discriminator mapping changed", setAt(nodeUnion+".discriminator.mapping.ExitAction", `"#/components/schemas/BlankTriggerWorkflowMutationNode"`),
			[]string{"~ ", `discriminator value "ExitAction" maps to BlankTriggerWorkflowMutationNode → ExitActionWorkflowMutationNode`}},
		{"minProperties changed", setAt(schemas+"UpdateTransactionalRequest.minProperties", "2"),
			[]string{"~ updateTransactionalEmail.request: minProperties 2 → 1"}},
		{"an operation deprecated", setAt("paths./v1/campaigns/{campaignId}.get.deprecated", "true"),
			[]string{"~ getCampaign: operation deprecated true → false"}},
		{"a response header added", setAt(apiKey+".responses.200.headers", "{x-ratelimit-limit: {schema: {type: integer}}}"),
			[]string{"+ testApiKey.response.200.header.x-ratelimit-limit: integer"}},
		{"a security requirement removed", setAt(apiKey+".security", "[]"),
			[]string{"~ testApiKey: security none → http bearer"}},
		{"a watched prose fact changed", replaceIn(createNode+".description", nodeCapText, strings.Replace(nodeCapText, "400", "500", 1)),
			[]string{"workflow node cap", "no longer says", "Go loops.MaxWorkflowNodes"}},
		{"a watched sentence deleted", replaceIn(createNode+".description", nodeCapText, "Generated children count"),
			[]string{"workflow node cap", "createWorkflowNode.description in 1.21.14 no longer says", "Go loops.MaxWorkflowNodes"}},
		{"a watched text's place gone (the operation renamed)", setAt(createNode+".operationId", "addWorkflowNode"),
			[]string{"workflow node cap", "has no text at createWorkflowNode.description", "Go loops.MaxWorkflowNodes"}},
		{"a new operation", setAt("paths./v1/feedback", `
post:
  operationId: createFeedback
  parameters:
    - {name: Idempotency-Key, in: header, schema: {type: string, maxLength: 100}}
  requestBody:
    required: true
    content:
      application/json:
        schema:
          type: object
          properties: {details: {type: string}, notifyWhenAvailable: {type: boolean}}
          required: [details]
  responses: {"200": {description: ok}, "429": {description: quota}}
`),
			[]string{"+ POST /v1/feedback createFeedback (new upstream only)", "parameters: header.idempotency-key string, maxLength 100, optional", "body (required): object, properties details, notifyWhenAvailable, required details", "statuses 200, 429"}},
		{"a removed operation", renameKey("paths./v1/workflows/{workflowId}.delete", "x-removed"),
			[]string{"- DELETE /v1/workflows/{workflowId} deleteWorkflow (digest only)", "statuses 204, 400, 401, 404, 405, 409"}},
	}
	for _, tt := range fails {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := upstreamMoves(t, was, mutated(t, tree, tt.change))
			if len(got) == 0 {
				t.Fatal("the gate passed")
			}
			for _, line := range got {
				if containsAll(line, tt.want) {
					return
				}
			}
			t.Errorf("no line says all of %q; the report:\n%s", tt.want, strings.Join(got, "\n"))
		})
	}
	passes := []struct {
		name   string
		change change // nil: none
	}{
		{"an unchanged copy", nil},
		// Re-wrapped: the value the folded text reads as, its lines joined.
		{"a watched sentence re-wrapped", replaceIn(createNode+".description", nodeCapText, "Public workflows  can have up to 400 nodes.   Generated children count")},
		{"an unwatched sentence edited", replaceIn(schemas+"UpdateEmailMessageRequest.properties.ccEmail.description",
			"CC email address. Requires the team to have CC/BCC enabled. Not supported for campaign emails.",
			"CC email address, for teams with CC/BCC turned on; campaign emails cannot use it.")},
	}
	for _, tt := range passes {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := mutated(t, tree, tt.change)
			if got := upstreamMoves(t, was, doc); len(got) != 0 {
				t.Errorf("the gate failed:\n%s", strings.Join(got, "\n"))
			}
			// A tree parses to what Parse makes of its text.
			if tt.change == nil && !reflect.DeepEqual(doc, parsed) {
				t.Error("the unchanged tree does not parse to what Parse makes of the text")
			}
		})
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// Check and Update with a facts declaration: update records the quoted
// text in the digest; a declaration that quotes words the digest does not
// hold fails make drift, and a spec whose words changed fails make drift
// SPEC=..., both naming the dependents.
func TestCheckWatchesFacts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spec := shared(t, spec1_21_14)
	cfg := Config{
		Contract:    write("spec.yaml", spec), // the spec as its own contract: no differences
		Digest:      filepath.Join(dir, "lock.json"),
		Differences: write("differences.yaml", []byte("differences: []\n")),
		Facts:       write("facts.yaml", []byte(nodeCap)),
	}
	ctx := context.Background()
	var out bytes.Buffer
	check := func(spec string) (bool, string) {
		t.Helper()
		out.Reset()
		cfg.Spec = spec
		ok, err := Check(ctx, cfg, &out)
		if err != nil {
			t.Fatal(err)
		}
		return ok, out.String()
	}
	cfg.Spec = cfg.Contract
	if err := Update(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	// Update writes what the tests that start from digestFile write.
	facts, err := ParseFacts([]byte(nodeCap))
	if err != nil {
		t.Fatal(err)
	}
	_, parsed := sharedDoc(t, spec1_21_14)
	if d, _ := watchedDigestOf(parsed, spec, facts); !bytes.Equal(readFile(t, cfg.Digest), digestFile(t, d)) {
		t.Error("Update wrote another digest than digestFile")
	}
	if ok, report := check(cfg.Contract); !ok {
		t.Fatalf("a fresh digest fails:\n%s", report)
	}
	write("facts.yaml", []byte(strings.ReplaceAll(nodeCap, "400", "500")))
	if ok, report := check(""); ok || !strings.Contains(report, `no longer says "Public workflows can have up to 500 nodes."; it sets Go loops.MaxWorkflowNodes`) {
		t.Errorf("a declaration the digest does not back passed, or was not named:\n%s", report)
	}
	write("facts.yaml", []byte(nodeCap))
	moved := write("moved.yaml", edit(t, spec, "can have up to 400 nodes", "can have up to 500 nodes"))
	if ok, report := check(moved); ok || !strings.Contains(report, "upstream moved") || !strings.Contains(report, "createWorkflowNode.description in 1.21.14 no longer says") {
		t.Errorf("a changed watched text passed, or was not named:\n%s", report)
	}
}

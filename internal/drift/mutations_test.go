package drift

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
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

// watchedDigest parses and digests a document with the texts of the facts
// it watches.
func watchedDigest(t *testing.T, doc []byte, facts []Fact) (*Digest, map[string]string) {
	t.Helper()
	parsed, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return watchedDigestOf(parsed, doc, facts)
}

// watchedDigestOf digests a parsed document with the texts of the facts it
// watches.
func watchedDigestOf(parsed *openapi3.T, raw []byte, facts []Fact) (*Digest, map[string]string) {
	texts := prose(parsed, facts)
	d := FromDocument(parsed, raw)
	d.Prose = found(facts, texts)
	return d, texts
}

// upstreamMoves digests a mutated copy of Loops' spec and returns the
// report lines of the gate against the digest was of the original: the
// moved facts and the watched texts that changed.
func upstreamMoves(t *testing.T, was *Digest, mutated []byte) []string {
	t.Helper()
	facts, err := ParseFacts([]byte(nodeCap))
	if err != nil {
		t.Fatal(err)
	}
	now, texts := watchedDigest(t, mutated, facts)
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
	facts, err := ParseFacts([]byte(nodeCap))
	if err != nil {
		t.Fatal(err)
	}
	// The digest the moves are held against comes from the shared parse;
	// each mutated copy, and the unchanged one, is parsed on its own.
	was, _ := watchedDigestOf(parsed, spec, facts)
	const (
		timerUnit    = "      enum:\n        - m\n        - h\n        - d\n"
		reEligible   = "    WorkflowReEligible:\n      type: boolean\n"
		nodeUnion    = "    WorkflowMutationNode:\n      description: Detailed workflow node returned from create and update mutations.\n        The exact fields depend on `typeName`.\n      oneOf:\n"
		variantAlt   = "        - $ref: \"#/components/schemas/VariantWorkflowMutationNode\"\n      discriminator:\n        propertyName: typeName\n        mapping:\n          SignupTrigger: \"#/components/schemas/SignupTriggerWorkflowMutationNode\"\n"
		variantReq   = "        - id\n        - typeName\n        - nextNodeIds\n    UpdateWorkflowNodePayload:\n"
		minProps     = "      minProperties: 1\n      description: At least one field must be provided.\n"
		getCampaign  = "      operationId: getCampaign\n"
		apiKeyOK     = "      responses:\n        \"200\":\n          description: Success\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  success:\n"
		security     = "      security:\n        - apiKey: []\n"
		nodeCapText  = "Public workflows can have up to 400 nodes. Generated\n        children count"
		firstPath    = "paths:\n  /v1/api-key:\n"
		deleteWf     = "    delete:\n      tags:\n        - Workflows\n      summary: Delete a workflow\n"
		timerAmount  = "    WorkflowTimerAmount:\n      type: number\n"
		emailSubject = "        subject:\n          type: string\n      required:\n        - id\n        - typeName\n        - nextNodeIds\n        - emailMessageId\n        - subject\n    ExitActionWorkflowMutationNode:\n"
		exitMapping  = "          ExitAction: \"#/components/schemas/ExitActionWorkflowMutationNode\"\n          BranchNode:"
		ccNotCampaig = "CC email address. Requires the team to have CC/BCC enabled. Not\n            supported for campaign emails."
	)
	newAlternative := nodeUnion + "        - type: object\n          properties:\n            id:\n              type: string\n            typeName:\n              type: string\n              enum:\n                - WebhookAction\n          required:\n            - id\n            - typeName\n"
	feedback := "paths:\n  /v1/feedback:\n    post:\n      operationId: createFeedback\n      parameters:\n        - name: Idempotency-Key\n          in: header\n          schema:\n            type: string\n            maxLength: 100\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n                details:\n                  type: string\n                notifyWhenAvailable:\n                  type: boolean\n              required:\n                - details\n      responses:\n        \"200\":\n          description: ok\n        \"429\":\n          description: quota\n  /v1/api-key:\n"
	fails := []struct {
		name     string
		old, new string
		want     []string // every one must be in a single report line
	}{
		{"an enum value reached only through a oneOf alternative", timerUnit, timerUnit + "        - w\n",
			[]string{"~ ", "<typeName=TimerAction>.unit", `enum value "w" only in new upstream`}},
		{"a type change inside an alternative", reEligible, "    WorkflowReEligible:\n      type: string\n",
			[]string{"<typeName=EventTrigger>.reEligible", "type string → boolean"}},
		{"a new alternative", nodeUnion, newAlternative,
			[]string{"+ ", "oneOf alternative <typeName=WebhookAction> only in new upstream", "properties id, typeName"}},
		{"a dropped alternative", variantAlt, strings.TrimPrefix(variantAlt, "        - $ref: \"#/components/schemas/VariantWorkflowMutationNode\"\n"),
			[]string{"- ", "oneOf alternative <typeName=VariantNode> only in digest"}},
		{"a required flag added inside an alternative", variantReq, "        - id\n        - typeName\n        - nextNodeIds\n        - isControl\n    UpdateWorkflowNodePayload:\n",
			[]string{"<typeName=VariantNode>.isControl", "required true → false"}},
		{"a limit added inside an alternative", timerAmount, timerAmount + "      minimum: 0\n",
			[]string{"~ ", "<typeName=TimerAction>.amount", "minimum 0 → none"}},
		{"nullable inside an alternative", emailSubject, strings.Replace(emailSubject, "type: string", "type: [string, \"null\"]", 1),
			[]string{"~ ", "<typeName=SendEmailAction>.subject", "nullable true → false"}},
		{"a discriminator mapping changed", exitMapping, strings.Replace(exitMapping, "ExitActionWorkflowMutationNode", "BlankTriggerWorkflowMutationNode", 1),
			[]string{"~ ", `discriminator value "ExitAction" maps to BlankTriggerWorkflowMutationNode → ExitActionWorkflowMutationNode`}},
		{"minProperties changed", minProps, "      minProperties: 2\n      description: At least one field must be provided.\n",
			[]string{"~ updateTransactionalEmail.request: minProperties 2 → 1"}},
		{"an operation deprecated", getCampaign, getCampaign + "      deprecated: true\n",
			[]string{"~ getCampaign: operation deprecated true → false"}},
		{"a response header added", apiKeyOK, strings.Replace(apiKeyOK, "          description: Success\n", "          description: Success\n          headers:\n            x-ratelimit-limit:\n              schema:\n                type: integer\n", 1),
			[]string{"+ testApiKey.response.200.header.x-ratelimit-limit: integer"}},
		{"a security requirement removed", security, "      security: []\n",
			[]string{"~ testApiKey: security none → http bearer"}},
		{"a watched prose fact changed", nodeCapText, strings.Replace(nodeCapText, "400", "500", 1),
			[]string{"workflow node cap", "no longer says", "Go loops.MaxWorkflowNodes"}},
		{"a watched sentence deleted", nodeCapText, "Generated\n        children count",
			[]string{"workflow node cap", "createWorkflowNode.description in 1.21.14 no longer says", "Go loops.MaxWorkflowNodes"}},
		{"a watched text's place gone (the operation renamed)", "      operationId: createWorkflowNode\n", "      operationId: addWorkflowNode\n",
			[]string{"workflow node cap", "has no text at createWorkflowNode.description", "Go loops.MaxWorkflowNodes"}},
		{"a new operation", firstPath, feedback,
			[]string{"+ POST /v1/feedback createFeedback (new upstream only)", "parameters: header.idempotency-key string, maxLength 100, optional", "body (required): object, properties details, notifyWhenAvailable, required details", "statuses 200, 429"}},
		{"a removed operation", deleteWf, "    x-removed:\n      tags:\n        - Workflows\n      summary: Delete a workflow\n",
			[]string{"- DELETE /v1/workflows/{workflowId} deleteWorkflow (digest only)", "statuses 204, 400, 401, 404, 405, 409"}},
	}
	for _, tt := range fails {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := upstreamMoves(t, was, edit(t, spec, tt.old, tt.new))
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
	passes := []struct{ name, old, new string }{
		{"an unchanged copy", "", ""},
		{"a watched sentence re-wrapped", nodeCapText, "Public workflows  can have up to 400\n        nodes.   Generated children count"},
		{"an unwatched sentence edited", ccNotCampaig, "CC email address, for teams with CC/BCC turned on; campaign\n            emails cannot use it."},
	}
	for _, tt := range passes {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mutated := spec
			if tt.old != "" {
				mutated = edit(t, spec, tt.old, tt.new)
			}
			if got := upstreamMoves(t, was, mutated); len(got) != 0 {
				t.Errorf("the gate failed:\n%s", strings.Join(got, "\n"))
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

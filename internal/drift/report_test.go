package drift

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tempFiles writes files into a fresh directory and returns their paths.
type tempFiles string

func (d tempFiles) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(string(d), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// digestFile returns d as Update writes it. Tests whose subject is not
// Update start from it, made from a shared parse, instead of running
// Update on the document again; TestCheckWatchesFacts holds the two equal.
func digestFile(t *testing.T, d *Digest) []byte {
	t.Helper()
	b, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lastLines returns the report's last n lines.
func lastLines(report string, n int) []string {
	ls := strings.Split(strings.TrimRight(report, "\n"), "\n")
	return ls[max(0, len(ls)-n):]
}

// A failing report ends with the commands to run next, whichever part
// failed: upstream moved (with a contract that still matches the digest),
// or the contract parted from the digest.
func TestReportsEndWithCommands(t *testing.T) {
	t.Parallel()
	dir := tempFiles(t.TempDir())
	spec, parsed := sharedDoc(t, spec1_21_14)
	facts, err := ParseFacts([]byte(nodeCap))
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := watchedDigestOf(parsed, spec, facts)
	cfg := Config{
		Contract:    dir.write(t, "spec.yaml", spec), // the spec as its own contract
		Digest:      dir.write(t, "lock.json", digestFile(t, digest)),
		Differences: dir.write(t, "differences.yaml", []byte("differences: []\n")),
		Facts:       dir.write(t, "facts.yaml", []byte(nodeCap)),
	}
	ctx := context.Background()
	var out bytes.Buffer

	cfg.Spec = dir.write(t, "moved.yaml", edit(t, spec, "      operationId: getCampaign\n", "      operationId: getCampaign\n      deprecated: true\n"))
	out.Reset()
	if ok, err := Check(ctx, cfg, &out); err != nil || ok {
		t.Fatalf("a moved upstream: ok=%v err=%v", ok, err)
	}
	want := []string{
		"next:",
		"  make drift-propose SPEC=" + cfg.Spec + "    # a draft patch of " + cfg.Contract + " for the additive moves; lists what it leaves",
		"  edit " + cfg.Contract + ", " + cfg.Differences + " and " + cfg.Facts + " (and the Go constants a fact names); make generate",
		"  make drift-update SPEC=" + cfg.Spec + "     # record the new digest, then review git diff " + cfg.Digest + " like code",
		"  make drift SPEC=" + cfg.Spec + " && go test ./...",
	}
	if got := lastLines(out.String(), len(want)); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the report of a moved upstream ends:\n%s\nwant:\n%s\nthe report:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), out.String())
	}
	if !strings.Contains(out.String(), "~ getCampaign: operation deprecated true → false") {
		t.Errorf("the move is not named:\n%s", out.String())
	}

	cfg.Spec = ""
	cfg.Contract = dir.write(t, "contract.yaml", edit(t, spec, "      operationId: getCampaign\n", "      operationId: getCampaign\n      deprecated: true\n"))
	out.Reset()
	if ok, err := Check(ctx, cfg, &out); err != nil || ok {
		t.Fatalf("a contract that parted: ok=%v err=%v", ok, err)
	}
	if got := lastLines(out.String(), 3); got[0] != "next:" || !strings.HasPrefix(got[1], "  fix "+cfg.Contract) || got[2] != "  make drift && go test ./internal/drift" {
		t.Errorf("the report of a contract that parted ends:\n%s", strings.Join(got, "\n"))
	}
}

// make drift-propose on the real 1.21.6 → 1.21.14 move, as the command
// runs it: the report lists the six schemas that gain url, leaves the new
// operation, and ends with the commands to run next; a watched text that
// changed is left to a person too, naming the constants it sets.
func TestWriteProposalReport(t *testing.T) {
	t.Parallel()
	dir := tempFiles(t.TempDir())
	now := shared(t, spec1_21_14)
	cfg := Config{
		Contract:    dir.write(t, "loops.yaml", shared(t, contractF666)),
		Digest:      dir.write(t, "lock.json", digestFile(t, sharedDigest(t, spec1_21_6))), // the digest at 1.21.6
		Differences: dir.write(t, "differences.yaml", []byte("differences: []\n")),
		Facts:       dir.write(t, "facts.yaml", []byte(nodeCap)),
	}
	ctx := context.Background()
	var out bytes.Buffer
	cfg.Spec = dir.write(t, "now.yaml", edit(t, now, "can have up to 400 nodes", "can have up to 500 nodes"))
	draft := filepath.Join(string(dir), "draft.yaml")
	out.Reset()
	if err := WriteProposal(ctx, cfg, draft, &out); err != nil {
		t.Fatal(err)
	}
	report := out.String()
	for _, s := range []string{
		"6 changes drafted in " + draft,
		"+ components.schemas.Campaign.url: string, format uri, required",
		"left to a person:",
		"+ DELETE /v1/workflows/{workflowId} deleteWorkflow (new upstream only); parameters: path.workflowId string, required; body (required)",
		`! watched fact "workflow node cap" (400): createWorkflowNode.description in 1.21.14 no longer says "Public workflows can have up to 400 nodes."; it sets Go loops.MaxWorkflowNodes`,
		"left: a number we take from prose",
	} {
		if !strings.Contains(report, s) {
			t.Errorf("the report does not say %q:\n%s", s, report)
		}
	}
	got := lastLines(report, 6)
	if got[0] != "next:" || !strings.Contains(got[1], "diff -u "+cfg.Contract+" "+draft) || got[5] != "  make drift SPEC="+cfg.Spec+" && go test ./..." {
		t.Errorf("the report does not end with the commands to run next:\n%s", strings.Join(got, "\n"))
	}
	if b, err := os.ReadFile(draft); err != nil || !bytes.Contains(b, []byte("format: uri")) {
		t.Errorf("the draft was not written with the url fields (%v)", err)
	}

	// The digested document itself: nothing to draft, and no commands.
	dir.write(t, "facts.yaml", []byte("facts: []\n"))
	cfg.Spec = dir.write(t, "same.yaml", shared(t, spec1_21_6))
	out.Reset()
	if err := WriteProposal(ctx, cfg, draft, &out); err != nil {
		t.Fatal(err)
	}
	if got := lastLines(out.String(), 1)[0]; got != "drift-propose: the spec makes no move away from the digest; nothing to do" {
		t.Errorf("a proposal for the digested document ends %q:\n%s", got, out.String())
	}
}

// make drift-update on Loops' 1.21.14 document, with the committed facts,
// rewrites openapi/upstream.lock.json byte for byte: the committed digest
// is that document's, quotes included.
func TestCommittedDigestIs1_21_14(t *testing.T) {
	t.Parallel()
	dir := tempFiles(t.TempDir())
	cfg := Config{
		Digest: filepath.Join(string(dir), "lock.json"),
		Facts:  filepath.Join("..", "..", "openapi", "upstream-facts.yaml"),
		Spec:   dir.write(t, "spec.yaml", shared(t, spec1_21_14)),
	}
	var out bytes.Buffer
	if err := Update(context.Background(), cfg, &out); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, cfg.Digest); !bytes.Equal(got, repoFile(t, "openapi/upstream.lock.json")) {
		t.Errorf("the digest of 1.21.14 differs from openapi/upstream.lock.json; run make drift-update SPEC=<1.21.14> and review the diff\n%s", out.String())
	}
}

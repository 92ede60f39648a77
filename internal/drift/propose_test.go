package drift

import (
	"strings"
	"testing"
)

// The real move from Loops' 1.21.6 to 1.21.14, proposed against the
// contract as it was before it carried the url fields (commit f666b6b):
// the draft adds url, a required uri string, wherever upstream added it,
// and nothing else; the new operation and the delete rules are left.
func TestProposeRealMove(t *testing.T) {
	t.Parallel()
	was, now := sharedDigest(t, spec1_21_6), sharedDigest(t, spec1_21_14)
	contract := shared(t, contractF666)
	p, err := Propose(contract, now, was)
	if err != nil {
		t.Fatal(err)
	}
	before, after := sharedDigest(t, contractF666), digestOf(t, p.Contract)

	// Nothing but url properties changed.
	added := Compare(after, before, Upstream)
	for _, f := range added {
		if f.Kind != PropertyAdded || !strings.HasSuffix(f.Where, ".url") || f.Detail != "string, format uri, required" {
			t.Errorf("the proposal changed more than url: %s", f)
		}
	}
	// Every url upstream added is now in the contract, and was not before.
	var want []string
	for _, f := range Compare(now, was, Upstream) {
		if f.Kind == PropertyAdded && strings.HasSuffix(f.Where, ".url") {
			want = append(want, f.Where)
		}
	}
	if len(want) != 21 {
		t.Errorf("upstream added url in %d places, want 21 (18 plain, 3 inside oneOf answers)", len(want))
	}
	// Exactly those places gain url in the contract: the 18 of Loops'
	// changelog and the 3 inside oneOf answers, and no other.
	var gained []string
	for _, f := range added {
		gained = append(gained, f.Where)
	}
	if strings.Join(gained, "\n") != strings.Join(want, "\n") {
		t.Errorf("the contract gains url at:\n%s\nwant exactly upstream's:\n%s", strings.Join(gained, "\n"), strings.Join(want, "\n"))
	}
	// Each maps to a schema of the contract, the three inside oneOf
	// answers included, and none is missing after the proposal.
	y, err := parseYAMLText(contract)
	if err != nil {
		t.Fatal(err)
	}
	locator := proposerOf(sharedDigest(t, contractF666), y, now)
	for _, where := range want {
		if nodes, err := locator.locate(strings.TrimSuffix(where, ".url")); err != nil || len(nodes) == 0 {
			t.Errorf("%s: no place in the contract (%v)", where, err)
		}
	}
	for _, f := range Compare(after, now, Contract) {
		if f.Kind == PropertyMissing && strings.HasSuffix(f.Where, ".url") {
			t.Errorf("the proposal leaves out %s", f.Where)
		}
	}
	if len(p.Applied) != 6 {
		t.Errorf("want url added to the contract's 6 schemas (Campaign, CreatedCampaign, TransactionalEmail, TransactionalEmailDraft, WorkflowSummary, Workflow), got:\n%s", strings.Join(p.Applied, "\n"))
	}
	// The rest is left to a person, each with a reason.
	left := strings.Join(p.Left, "\n")
	for _, s := range []string{"DELETE /v1/workflows/{workflowId} deleteWorkflow", "deleteContact.request.email: required false → true", "a new operation: a person designs"} {
		if !strings.Contains(left, s) {
			t.Errorf("the proposal does not list %q as left:\n%s", s, left)
		}
	}
	// The original's lines are all kept, but for the six required lists
	// that gain url, and each addition is the four-line url property.
	old, patched := strings.Split(string(contract), "\n"), strings.Split(string(p.Contract), "\n")
	block := []string{"url:", "  type: string", "  format: uri", "  description: 'TODO(drift-propose): say what this is, in our own words.'"}
	changed, inserted, i := 0, 0, 0
	for j := 0; j < len(patched); j++ {
		switch {
		case i < len(old) && patched[j] == old[i]:
			i++
		case j+4 <= len(patched) && trimmedEqual(patched[j:j+4], block):
			inserted++
			j += 3
		case i < len(old) && patched[j] == strings.Replace(old[i], "]", ", url]", 1) && strings.Contains(old[i], "required: ["):
			changed++
			i++
		default:
			t.Fatalf("unexpected line %d of the proposal: %q", j+1, patched[j])
		}
	}
	if i != len(old) || changed != 6 || inserted != 6 {
		t.Errorf("kept %d of %d lines, changed %d required lists, inserted %d properties; want all, 6, 6", i, len(old), changed, inserted)
	}
}

func trimmedEqual(a, b []string) bool {
	pad := len(a[0]) - len(strings.TrimLeft(a[0], " "))
	for k := range a {
		if len(a[k]) < pad || a[k][pad:] != b[k] {
			return false
		}
	}
	return true
}

// A new enum value, a changed limit and a new webhook field are applied
// to the contract where they are.
func TestProposeEnumAndLimits(t *testing.T) {
	up := readFile(t, "testdata/upstream-3.1.yaml")
	was := digestOf(t, up)
	moved := edit(t, up, "        name:\n          type: string\n        mode:\n          type: [string, \"null\"]\n          enum: [light, dark, null]\n    Theme:",
		"        name:\n          type: string\n          maxLength: 40\n        mode:\n          type: [string, \"null\"]\n          enum: [light, dark, sepia, null]\n    Theme:")
	moved = edit(t, moved, "                  const: theme.changed\n", "                  const: theme.changed\n                actor:\n                  type: string\n")
	contract := readFile(t, "testdata/same-3.0.yaml")
	p, err := Propose(contract, digestOf(t, moved), was)
	if err != nil {
		t.Fatal(err)
	}
	got := Compare(digestOf(t, p.Contract), digestOf(t, contract), Upstream)
	mustFind(t, got, EnumAdded, "updateTheme.request.mode")
	mustFind(t, got, MaxLength, "updateTheme.request.name")
	mustFind(t, got, PropertyAdded, "webhook.themeChanged.actor")
	if len(got) != 3 {
		t.Errorf("want exactly the three changes, got:\n%s", lines(got))
	}
}

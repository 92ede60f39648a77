package drift

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// digestOf parses an OpenAPI document and digests it.
func digestOf(t *testing.T, data []byte) *Digest {
	t.Helper()
	doc, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return FromDocument(doc, data)
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit applies a textual change to a document and fails the test if the
// change did not apply, so that a mutation test cannot pass vacuously.
func edit(t *testing.T, doc []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(doc, []byte(old)) {
		t.Fatalf("mutation target %q not found", old)
	}
	return bytes.Replace(doc, []byte(old), []byte(new), 1)
}

func lines(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String() + "\n")
	}
	return b.String()
}

// mustFind fails unless some finding has the kind and location.
func mustFind(t *testing.T, fs []Finding, kind Kind, where string) {
	t.Helper()
	if !slices.ContainsFunc(fs, func(f Finding) bool { return f.Kind == kind && f.Where == where }) {
		t.Errorf("want a %s finding at %s; got:\n%s", kind, where, lines(fs))
	}
}

// The same facts written for OpenAPI 3.1 and 3.0, with other component
// names and inline schemas, digest to no difference at all.
func TestDigestIsTheSameFor30And31(t *testing.T) {
	a := digestOf(t, readFile(t, "testdata/same-3.0.yaml"))
	b := digestOf(t, readFile(t, "testdata/upstream-3.1.yaml"))
	if fs := Compare(a, b, Upstream); len(fs) != 0 {
		t.Errorf("want no differences, got:\n%s", lines(fs))
	}
	if len(b.Webhooks) != 1 || b.Webhooks["theme.changed"] == nil || a.Webhooks["theme.changed"] == nil {
		t.Errorf("webhooks: 3.1 %v, 3.0 %v; want theme.changed in both", b.Webhooks, a.Webhooks)
	}
}

// Each way upstream can move is a finding in Upstream mode.
func TestUpstreamMovesAreFound(t *testing.T) {
	base := readFile(t, "testdata/upstream-3.1.yaml")
	digest := digestOf(t, base)
	tests := []struct {
		name      string
		old, new  string
		kind      Kind
		where     string
		detailHas string
	}{
		{"an extra operation", "webhooks:\n", "  /v1/fonts:\n    get:\n      operationId: listFonts\n      responses:\n        \"200\":\n          description: ok\nwebhooks:\n",
			OperationAdded, "listFonts", "+ GET /v1/fonts"},
		{"a field removed", "        name:\n          type: string\n        mode:\n          type: [string, \"null\"]\n          enum: [light, dark, null]\n    ThemeList:",
			"        name:\n          type: string\n    ThemeList:", PropertyMissing, "listThemes.response.200.data[].mode", "- listThemes.response.200.data[].mode: string, nullable"},
		{"an enum value added", "    Theme:\n      type: object\n      required: [id, name, mode]\n      properties:\n        id:\n          type: string\n        name:\n          type: string\n        mode:\n          type: [string, \"null\"]\n          enum: [light, dark, null]",
			"    Theme:\n      type: object\n      required: [id, name, mode]\n      properties:\n        id:\n          type: string\n        name:\n          type: string\n        mode:\n          type: [string, \"null\"]\n          enum: [light, dark, sepia, null]",
			EnumAdded, "updateTheme.response.200.mode", `"sepia"`},
		{"a required flag dropped", "required: [pagination, data]", "required: [data]", Required, "listThemes.response.200.pagination", "false → true"},
		{"a parameter added", "        - name: cursor\n", "        - name: q\n          in: query\n          schema:\n            type: string\n        - name: cursor\n", ParameterAdded, "listThemes.param.query.q", ""},
		{"a type changed", "        - name: perPage\n          in: query\n          schema:\n            type: string", "        - name: perPage\n          in: query\n          schema:\n            type: integer", Type, "listThemes.param.query.perPage", "integer → string"},
		{"a webhook field added", "                  const: theme.changed\n", "                  const: theme.changed\n                actor:\n                  type: string\n", PropertyAdded, "webhook.themeChanged.actor", ""},
		{"an error body changed", "    Failure:\n      type: object\n      properties:\n        message:\n          type: string", "    Failure:\n      type: object\n      properties:\n        message:\n          type: string\n        code:\n          type: integer", PropertyAdded, "listThemes.response.400.code", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			moved := digestOf(t, edit(t, base, tt.old, tt.new))
			fs := Compare(moved, digest, Upstream)
			mustFind(t, fs, tt.kind, tt.where)
			if tt.detailHas != "" && !strings.Contains(lines(fs), tt.detailHas) {
				t.Errorf("the report does not say %q:\n%s", tt.detailHas, lines(fs))
			}
		})
	}
}

// repoFile reads a file of the repository, relative to its root.
func repoFile(t *testing.T, name string) []byte {
	t.Helper()
	return readFile(t, filepath.Join("..", "..", name))
}

// verdictFor returns the gate's verdict on the committed contract
// (openapi/loops.yaml) against the committed digest and the differences.
func verdictFor(t *testing.T, differences []byte) Verdict {
	t.Helper()
	digest, err := Unmarshal(repoFile(t, "openapi/upstream.lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := ParseDifferences(differences)
	if err != nil {
		t.Fatal(err)
	}
	return Gate(Compare(sharedDigest(t, repoPath("openapi/loops.yaml")), digest, Contract), diffs)
}

// The committed contract, digest and differences pass the gate.
func TestCommittedStatePasses(t *testing.T) {
	t.Parallel()
	v := verdictFor(t, repoFile(t, "openapi/upstream-differences.yaml"))
	if !v.OK() {
		t.Errorf("the committed state fails the gate: unexplained:\n%sstale: %v", lines(v.Unexplained), v.Stale)
	}
	if v.Explained == 0 {
		t.Error("no difference was explained: the comparison found nothing at all")
	}
}

// A contract whose field changes type fails, naming the field.
func TestContractTypeChangeFails(t *testing.T) {
	t.Parallel()
	contract := repoFile(t, "openapi/loops.yaml")
	doc, err := Parse(contract) // its own parse: the test changes it
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["ContactCreateRequest"].Value.Properties["firstName"].Value
	schema.Type = &openapi3.Types{openapi3.TypeInteger}
	digest, _ := Unmarshal(repoFile(t, "openapi/upstream.lock.json"))
	diffs, _ := ParseDifferences(repoFile(t, "openapi/upstream-differences.yaml"))
	v := Gate(Compare(FromDocument(doc, contract), digest, Contract), diffs)
	if v.OK() {
		t.Fatal("the gate passed a contract with a changed type")
	}
	mustFind(t, v.Unexplained, Type, "createContact.request.firstName")
	if got := lines(v.Unexplained); !strings.Contains(got, "~ createContact.request.firstName: type integer → string") {
		t.Errorf("the finding should read ours → upstream; got:\n%s", got)
	}
}

// An entry that explains no difference fails the gate as stale.
func TestStaleDifferenceFails(t *testing.T) {
	t.Parallel()
	diffs := append(repoFile(t, "openapi/upstream-differences.yaml"),
		"  - where: createContact.request.nickname\n    kind: property-added\n    why: a field we once had\n"...)
	v := verdictFor(t, diffs)
	if v.OK() || len(v.Stale) != 1 || v.Stale[0].Where != "createContact.request.nickname" {
		t.Errorf("want exactly the one stale entry, got OK=%v stale=%v", v.OK(), v.Stale)
	}
}

// Removing a reviewed entry brings its differences back as failures.
func TestRemovedDifferenceFails(t *testing.T) {
	t.Parallel()
	diffs := edit(t, repoFile(t, "openapi/upstream-differences.yaml"), "kind: status-added\n    why: every operation is rate limited", "kind: nothing-matches\n    why: every operation is rate limited")
	v := verdictFor(t, diffs)
	if v.OK() {
		t.Fatal("the gate passed without the 429 entry")
	}
	mustFind(t, v.Unexplained, StatusAdded, "createContact.response.429")
}

// Patterns: "*" stays within a segment, "**" crosses, "{a,b}" chooses, and
// "[]" and "{}" are literal.
func TestDifferencePatterns(t *testing.T) {
	tests := []struct {
		where, kind string
		f           Finding
		want        bool
	}{
		{"*.response.429", "status-added", Finding{Where: "listThemes.response.429", Kind: StatusAdded}, true},
		{"*.response.429", "status-added", Finding{Where: "listThemes.response.4290", Kind: StatusAdded}, false},
		{"*.request", "*", Finding{Where: "a.request.name", Kind: Type}, false},
		{"*.request.**", "minLength", Finding{Where: "a.request.items[].name", Kind: MinLength}, true},
		{"list*.param.query.{perPage,cursor}", "m*imum", Finding{Where: "listThemes.param.query.perPage", Kind: Maximum}, true},
		{"list*.param.query.{perPage,cursor}", "m*imum", Finding{Where: "listThemes.param.query.page", Kind: Maximum}, false},
		{"a.data[]", "type", Finding{Where: "a.data[]", Kind: Type}, true},
		{"a.data[]", "type", Finding{Where: "a.datax", Kind: Type}, false},
		{"a.request{}", "variants", Finding{Where: "a.request{}", Kind: Variants}, true},
	}
	for _, tt := range tests {
		y := "differences:\n  - where: \"" + tt.where + "\"\n    kind: \"" + tt.kind + "\"\n    why: test\n"
		diffs, err := ParseDifferences([]byte(y))
		if err != nil {
			t.Fatal(err)
		}
		if got := diffs[0].Matches(tt.f); got != tt.want {
			t.Errorf("%q/%q matching %s/%s = %v, want %v", tt.where, tt.kind, tt.f.Where, tt.f.Kind, got, tt.want)
		}
	}
	if _, err := ParseDifferences([]byte("differences:\n  - where: x\n    kind: type\n")); err == nil {
		t.Error("an entry without a reason was accepted")
	}
}

// The committed digest is in canonical form, so that drift-update on the
// same document rewrites it byte for byte.
func TestDigestIsCanonical(t *testing.T) {
	raw := repoFile(t, "openapi/upstream.lock.json")
	d, err := Unmarshal(raw)
	if err != nil {
		t.Fatal(err)
	}
	again, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) {
		t.Error("openapi/upstream.lock.json is not in canonical form; regenerate it with make drift-update")
	}
	if d.Source.Version == "" || len(d.Source.SHA256) != 64 {
		t.Errorf("the digest's source is incomplete: %+v", d.Source)
	}
	if bytes.Contains(raw, []byte(`"description": "`)) || bytes.Contains(raw, []byte(`"example": `)) || bytes.Contains(raw, []byte(`"examples": `)) {
		t.Error("the digest carries prose (descriptions or examples)")
	}
}

// Check and Update as the command runs them, on files in a temporary
// directory: update writes a digest that then passes, and a moved upstream
// fails with the move named.
func TestCheckAndUpdate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	up := readFile(t, "testdata/upstream-3.1.yaml")
	cfg := Config{
		Contract:    write("contract.yaml", readFile(t, "testdata/same-3.0.yaml")),
		Digest:      filepath.Join(dir, "lock.json"),
		Differences: write("differences.yaml", []byte("differences: []\n")),
		Spec:        write("upstream.yaml", up),
	}
	var out bytes.Buffer
	ctx := context.Background()
	if err := Update(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	if ok, err := Check(ctx, cfg, &out); err != nil || !ok {
		t.Fatalf("fresh digest: ok=%v err=%v\n%s", ok, err, out.String())
	}
	write("upstream.yaml", edit(t, up, "enum: [light, dark, null]", "enum: [light, dark, sepia, null]"))
	out.Reset()
	ok, err := Check(ctx, cfg, &out)
	if err != nil || ok {
		t.Fatalf("moved upstream: ok=%v err=%v\n%s", ok, err, out.String())
	}
	if !strings.Contains(out.String(), "upstream moved") || !strings.Contains(out.String(), `enum value "sepia"`) || !strings.Contains(out.String(), "make drift-update SPEC=") {
		t.Errorf("the report does not name the move:\n%s", out.String())
	}
}

package loops_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestGoDocListsFields checks what `go doc loops.<Type>` prints for every
// request and response type: the types are aliases of gen's models, and go
// doc prints an alias's own comment, so the comment must list each field of
// the gen struct with whether it is required, optional or clearable.
// Request and response types are those the exported methods of package
// loops take or return, and the types their fields reach; every alias of a
// gen struct is held to the same rule.
func TestGoDocListsFields(t *testing.T) {
	genStructs := parseStructs(t, "../gen")
	pkg := docPackage(t, ".", "github.com/loopsdev/loops-go/loops")
	checkAliasDocs(t, pkg, genStructs)
	// The webhook events (structs that embed their gen model), their
	// payloads and parts are held to the same rule.
	checkAliasDocs(t, docPackage(t, "webhooks", "github.com/loopsdev/loops-go/loops/webhooks"), genStructs)

	// Every type a method takes or returns is documented with its fields:
	// an alias whose comment lists them, or a struct declared in package
	// loops (go doc prints its fields itself).
	types := map[string]*doc.Type{}
	for _, typ := range pkg.Types {
		types[typ.Name] = typ
	}
	used := map[string]bool{}
	for _, typ := range pkg.Types {
		for _, fn := range slices.Concat(typ.Methods, typ.Funcs) {
			ast.Inspect(fn.Decl.Type, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && types[id.Name] != nil {
					used[id.Name] = true
				}
				return true
			})
		}
	}
	for _, name := range slices.Sorted(mapKeys(used)) {
		target := aliasTarget(types[name])
		if target == "" || genStructs[target] == nil {
			continue // declared here, or not a struct
		}
		if !strings.Contains(types[name].Doc, "Fields (") {
			t.Errorf("go doc loops.%s: a method takes or returns it, but its comment lists no fields", name)
		}
	}
	if len(used) < 50 {
		t.Fatalf("found %d request and response types; the scan is broken", len(used))
	}
}

// fieldLine is a field's line in an alias's comment: a tab, the field's
// name, its type and its presence between two-space gaps, then what it
// means. It is compiled once: one pattern per field, each scanning the
// whole comment, cost half this test's time under the race detector.
var fieldLine = regexp.MustCompile(`(?m)^\t(\S+) +\S.*  (required|required, nullable|optional|clearable)  `)

// checkAliasDocs checks that each alias of a gen struct in pkg lists every
// exported field of the struct in its doc comment, with its presence.
func checkAliasDocs(t *testing.T, pkg *doc.Package, genStructs map[string][]string) {
	t.Helper()
	checked := 0
	for _, typ := range pkg.Types {
		fields := genStructs[aliasTarget(typ)]
		if len(fields) == 0 {
			continue
		}
		checked++
		listed := map[string]bool{}
		for _, m := range fieldLine.FindAllStringSubmatch(typ.Doc, -1) {
			listed[m[1]] = true
		}
		for _, f := range fields {
			if !listed[f] {
				t.Errorf("go doc %s.%s does not list field %s with its type and presence", pkg.Name, typ.Name, f)
			}
		}
	}
	if checked == 0 {
		t.Fatalf("package %s: no alias of a gen struct found; the scan is broken", pkg.Name)
	}
}

// aliasTarget returns X for a type declared as `= gen.X`, or as a struct
// whose only field is an embedded gen.X, else "".
func aliasTarget(typ *doc.Type) string {
	for _, spec := range typ.Decl.Specs {
		ts, ok := spec.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typ.Name {
			continue
		}
		named := ts.Type
		if st, ok := ts.Type.(*ast.StructType); ok && !ts.Assign.IsValid() {
			if len(st.Fields.List) != 1 || len(st.Fields.List[0].Names) != 0 {
				return ""
			}
			named = st.Fields.List[0].Type
		} else if !ts.Assign.IsValid() {
			return ""
		}
		if sel, ok := named.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "gen" {
				return sel.Sel.Name
			}
		}
	}
	return ""
}

// docPackage reads a package's non-test files as go doc does.
func docPackage(t *testing.T, dir, importPath string) *doc.Package {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range goFiles(t, dir) {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// parseStructs returns the exported field names of each struct type
// declared in a package's non-test files.
func parseStructs(t *testing.T, dir string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	for _, name := range goFiles(t, dir) {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				var names []string
				for _, fl := range st.Fields.List {
					for _, id := range fl.Names {
						if id.IsExported() {
							names = append(names, id.Name)
						}
					}
				}
				out[ts.Name.Name] = names
			}
			return false
		})
	}
	return out
}

func goFiles(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(names, func(n string) bool { return strings.HasSuffix(n, "_test.go") })
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

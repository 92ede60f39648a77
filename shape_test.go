package loopsgo

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/loopsdev/loops-go/openapi"
)

// TestRequestFieldRule enforces the one rule for request fields (the
// README's quick start, CONTRIBUTING.md): a required field is a value; an optional field is a
// pointer (nil: left out), or a slice or map (nil: left out); a field that
// can be cleared with null is nullable.Nullable[T]. It walks every request
// model the contract defines and the Go type gen made of each property.
func TestRequestFieldRule(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec())
	if err != nil {
		t.Fatal(err)
	}
	structs := genStructs(t)
	requests := map[string]*openapi3.Schema{}
	var collect func(ref *openapi3.SchemaRef)
	collect = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil {
			return
		}
		if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
			if requests[name] != nil {
				return
			}
			requests[name] = ref.Value
		}
		for _, p := range ref.Value.Properties {
			collect(p)
		}
		collect(ref.Value.Items)
		for _, alt := range slices.Concat(ref.Value.OneOf, ref.Value.AnyOf, ref.Value.AllOf) {
			collect(alt)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
					collect(mt.Schema)
				}
			}
		}
	}
	if len(requests) < 5 {
		t.Fatalf("found only %d request schemas; the walk is broken", len(requests))
	}
	checked := 0
	for name, schema := range requests {
		st := structs[name]
		if st == nil {
			continue // a union or a scalar, not a struct of fields
		}
		for prop, ref := range schema.Properties {
			field := fieldByJSON(st, prop)
			if field == nil {
				t.Errorf("%s.%s: no Go field", name, prop)
				continue
			}
			checked++
			required := slices.Contains(schema.Required, prop)
			nullable := ref.Value != nil && ref.Value.Nullable
			got := kindOf(field.Type)
			var ok bool
			switch {
			case nullable:
				ok = got == "nullable"
			case required:
				ok = got == "value" || got == "container"
			default:
				ok = got == "pointer" || got == "container"
			}
			if !ok {
				t.Errorf("%s.%s (required=%v, nullable=%v) is a %s in Go; the rule wants %s", name, prop, required, nullable, got, want(required, nullable))
			}
		}
	}
	if checked == 0 {
		t.Fatal("no field was checked")
	}
}

func want(required, nullable bool) string {
	switch {
	case nullable:
		return "nullable.Nullable[T]"
	case required:
		return "a value"
	}
	return "a pointer (or a slice or map)"
}

func kindOf(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return "pointer"
	case *ast.ArrayType, *ast.MapType:
		return "container"
	case *ast.IndexExpr:
		if sel, ok := t.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Nullable" {
			return "nullable"
		}
	}
	return "value"
}

func genStructs(t *testing.T) map[string]*ast.StructType {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "gen/models.gen.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*ast.StructType{}
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok {
			if st, ok := ts.Type.(*ast.StructType); ok {
				out[ts.Name.Name] = st
			}
		}
		return true
	})
	return out
}

func fieldByJSON(st *ast.StructType, name string) *ast.Field {
	for _, f := range st.Fields.List {
		if f.Tag == nil {
			continue
		}
		tag := reflect.StructTag(strings.Trim(f.Tag.Value, "`"))
		if j, _, _ := strings.Cut(tag.Get("json"), ","); j == name {
			return f
		}
	}
	return nil
}

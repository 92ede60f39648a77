package drift

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// Every dependent that openapi/upstream-facts.yaml names exists and holds
// the declared value, so that the declaration and the code cannot part.
func TestFactDependents(t *testing.T) {
	facts, err := ParseFacts(repoFile(t, "openapi/upstream-facts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(facts) == 0 {
		t.Fatal("no facts declared")
	}
	var contract map[string]any
	if err := yaml.Unmarshal(repoFile(t, "openapi/loops.yaml"), &contract); err != nil {
		t.Fatal(err)
	}
	consts := goConstants{}
	for _, f := range facts {
		for _, d := range f.Dependents {
			want := constant.MakeFloat64(f.Value)
			switch {
			case d.Go != "":
				got, err := consts.value(d.Go)
				if err != nil {
					t.Errorf("fact %q: %s: %v", f.Name, d, err)
				} else if n := constant.ToFloat(got); n.Kind() == constant.Unknown || constant.Compare(n, token.NEQ, want) {
					t.Errorf("fact %q: %s = %v, want %v", f.Name, d, got, f.Value)
				}
			case d.Contract != "":
				checkContractValue(t, f, d, dig(contract, strings.Split(d.Contract, ".")...))
			default:
				t.Errorf("fact %q: a dependent names neither go nor contract", f.Name)
			}
		}
	}
}

func checkContractValue(t *testing.T, f Fact, d Dependent, got any) {
	t.Helper()
	switch v := got.(type) {
	case int, int64, uint64, float64:
		if n, _ := strconv.ParseFloat(fmt.Sprint(v), 64); n != f.Value {
			t.Errorf("fact %q: %s = %v, want %v", f.Name, d, v, f.Value)
		}
	case string:
		if !strings.Contains(v, numberForms(f.Value)[0]) && !strings.Contains(v, numberForms(f.Value)[1]) {
			t.Errorf("fact %q: %s does not mention %v: %q", f.Name, d, f.Value, v)
		}
	default:
		t.Errorf("fact %q: %s: no number or text there (%T)", f.Name, d, got)
	}
}

// goConstants evaluates the package-level constants of the module's
// packages from their source, following references to other constants.
type goConstants map[string]map[string]ast.Expr // package dir → name → expression

// value evaluates "dir.Name", such as "loops/loopstest.DefaultRatePerSecond".
func (g goConstants) value(ref string) (constant.Value, error) {
	dot := strings.LastIndex(ref, ".")
	if dot < 0 {
		return nil, fmt.Errorf("want package.Name")
	}
	return g.eval(ref[:dot], ref[dot+1:], 0)
}

func (g goConstants) eval(dir, name string, depth int) (constant.Value, error) {
	if depth > 16 {
		return nil, fmt.Errorf("%s.%s: too deep", dir, name)
	}
	if g[dir] == nil {
		names, err := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
		if err != nil || len(names) == 0 {
			return nil, fmt.Errorf("no Go files in %s", dir)
		}
		g[dir] = map[string]ast.Expr{}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
			if err != nil {
				return nil, err
			}
			collectConsts(file, g[dir])
		}
	}
	expr, ok := g[dir][name]
	if !ok {
		return nil, fmt.Errorf("no constant %s in %s", name, dir)
	}
	return g.expr(dir, expr, depth)
}

func (g goConstants) expr(dir string, e ast.Expr, depth int) (constant.Value, error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		return constant.MakeFromLiteral(e.Value, e.Kind, 0), nil
	case *ast.ParenExpr:
		return g.expr(dir, e.X, depth)
	case *ast.Ident:
		return g.eval(dir, e.Name, depth+1)
	case *ast.SelectorExpr:
		// Only the module's own packages: "loops.X" is the package in loops/.
		if pkg, ok := e.X.(*ast.Ident); ok && pkg.Name == "loops" {
			return g.eval("loops", e.Sel.Name, depth+1)
		}
	case *ast.BinaryExpr:
		x, err := g.expr(dir, e.X, depth)
		if err != nil {
			return nil, err
		}
		y, err := g.expr(dir, e.Y, depth)
		if err != nil {
			return nil, err
		}
		if e.Op == token.SHL || e.Op == token.SHR {
			n, _ := constant.Uint64Val(y)
			return constant.Shift(x, e.Op, uint(n)), nil
		}
		return constant.BinaryOp(x, e.Op, y), nil
	}
	return nil, fmt.Errorf("cannot evaluate %T", e)
}

func collectConsts(file *ast.File, into map[string]ast.Expr) {
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					into[name.Name] = vs.Values[i]
				}
			}
		}
	}
}

package drift

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// Every dependent that openapi/upstream-facts.yaml names exists and holds
// the declared value, so that the declaration and the code cannot part.
func TestFactDependents(t *testing.T) {
	t.Parallel()
	facts, err := ParseFacts(repoFile(t, "openapi/upstream-facts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(facts) == 0 {
		t.Fatal("no facts declared")
	}
	deps := readDependents(t)
	for _, problem := range deps.problems(facts) {
		t.Error(problem)
	}
	// The check bites: the same declaration with another node cap fails,
	// naming the constant and a contract text.
	wrong := slices.Clone(facts)
	for i := range wrong {
		wrong[i].Value++
	}
	if got := strings.Join(deps.problems(wrong[:1]), "\n"); !strings.Contains(got, "Go loops.MaxWorkflowNodes = 400, want 401") || !strings.Contains(got, "contract components.schemas.Workflow.description does not mention 401") {
		t.Errorf("a wrong value was not caught:\n%s", got)
	}
	// And it bites on every dependent of every fact: each one really holds
	// the number, rather than passing for want of a check.
	for _, f := range wrong {
		if got := deps.problems([]Fact{f}); len(got) != len(f.Dependents) {
			t.Errorf("fact %q with value %v: %d of its %d dependents caught:\n%s", f.Name, f.Value, len(got), len(f.Dependents), strings.Join(got, "\n"))
		}
	}
}

// The numbers we take from Loops' prose are declared: the node cap, the
// idempotency-key length and the upload size watched in the digested spec;
// the send size, the rate limits and the feedback quota unwatched, with
// their sources. The client's and the fake's constants are dependents.
func TestFactsDeclared(t *testing.T) {
	t.Parallel()
	facts, err := ParseFacts(repoFile(t, "openapi/upstream-facts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		value   float64
		watched bool
		deps    []string
	}{
		{400, true, []string{"Go loops.MaxWorkflowNodes", "Go loops/loopstest.maxNodes"}},
		{100, true, []string{"Go loops.maxIdempotencyKeyLen", "contract components.parameters.IdempotencyKey.schema.maxLength"}},
		{4000000, true, []string{"contract components.schemas.UploadCreateRequest.properties.contentLength.maximum"}},
		{4000000, false, []string{"Go loops.MaxTransactionalBytes"}},
		{10, false, []string{"Go loops.DefaultRequestsPerSecond", "Go loops/loopstest.DefaultRatePerSecond"}},
		{60, false, []string{"Go loops.DefaultContentRequestsPerMinute", "Go loops/loopstest.DefaultContentPerMinute"}},
		{20, false, []string{"Go loops/loopstest.FeedbackLimit", "contract paths./v1/feedback.post.x-go.doc"}},
	}
	for _, w := range want {
		i := slices.IndexFunc(facts, func(f Fact) bool {
			return f.Value == w.value && (len(f.Upstream) > 0) == w.watched && slices.ContainsFunc(f.Dependents, func(d Dependent) bool { return d.String() == w.deps[0] })
		})
		if i < 0 {
			t.Errorf("no fact of value %v (watched %v) sets %s", w.value, w.watched, w.deps[0])
			continue
		}
		for _, d := range w.deps {
			if !slices.ContainsFunc(facts[i].Dependents, func(x Dependent) bool { return x.String() == d }) {
				t.Errorf("fact %q does not name %s", facts[i].Name, d)
			}
		}
	}
}

// dependents are the places a fact's number can be held: the contract, as
// YAML, and the Go constants of the module's packages. The test reads and
// parses each once, however many declarations it checks.
type dependents struct {
	contract map[string]any
	consts   goConstants
}

func readDependents(t *testing.T) *dependents {
	t.Helper()
	var contract map[string]any
	if err := yaml.Unmarshal(repoFile(t, "openapi/loops.yaml"), &contract); err != nil {
		t.Fatal(err)
	}
	return &dependents{contract: contract, consts: goConstants{}}
}

// problems lists the dependents that are missing or hold another value
// than their fact.
func (deps *dependents) problems(facts []Fact) []string {
	var out []string
	for _, f := range facts {
		for _, d := range f.Dependents {
			var problem error
			switch {
			case d.Go != "":
				problem = deps.consts.check(d.Go, f.Value)
			case d.Contract != "":
				problem = contractValue(dig(deps.contract, strings.Split(d.Contract, ".")...), f.Value)
			default:
				problem = fmt.Errorf("names neither go nor contract")
			}
			if problem != nil {
				out = append(out, fmt.Sprintf("fact %q: %s %v", f.Name, d, problem))
			}
		}
	}
	return out
}

// contractValue checks a value of the contract: a number equals want, a
// text mentions it.
func contractValue(got any, want float64) error {
	switch v := got.(type) {
	case int, int64, uint64, float64:
		if n, _ := strconv.ParseFloat(fmt.Sprint(v), 64); n != want {
			return fmt.Errorf("= %v, want %v", v, want)
		}
	case string:
		if !slices.ContainsFunc(numberForms(want), func(n string) bool { return strings.Contains(v, n) }) {
			return fmt.Errorf("does not mention %v: %q", want, v)
		}
	default:
		return fmt.Errorf("holds no number or text (%T)", got)
	}
	return nil
}

// check evaluates "dir.Name" and compares it with want.
func (g goConstants) check(ref string, want float64) error {
	got, err := g.value(ref)
	if err != nil {
		return err
	}
	if n := constant.ToFloat(got); n.Kind() == constant.Unknown || constant.Compare(n, token.NEQ, constant.MakeFloat64(want)) {
		return fmt.Errorf("= %v, want %v", got, want)
	}
	return nil
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

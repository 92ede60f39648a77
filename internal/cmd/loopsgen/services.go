package main

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Two extensions make the public API of package loops (the services and
// their methods) from the contract:
//
//   - x-go-service on a tag names the service its operations belong to
//     (name: Campaigns makes CampaignsService and the client's Campaigns
//     field) and gives the type's doc comment, without the type's name;
//   - x-go on an operation names its method (method: List), gives the doc
//     comment without the method's name, and may name a handwritten check
//     (check: checkEvent, a func(op string, req *Body) error) for rules the
//     contract cannot state. A list operation also gets a ListIter method
//     that follows the pages.
//
// An operation without x-go has no generated method: package loops wraps
// it by hand (a call whose inputs are not the operation's own, such as
// Contacts.Find taking a ContactLookup).
const (
	serviceExtension = "x-go-service"
	methodExtension  = "x-go"
)

// goService is one service, as its tag describes it.
type goService struct {
	name, doc string
	methods   []goMethod
}

// goMethod is one operation's public method.
type goMethod struct {
	o                 operation
	name, doc, check  string
	sig               *signature
	inputType, result string // in package loops' names
}

// services writes loops/services.gen.go.
func (g *generator) services(b *bytes.Buffer) error {
	svcs, err := g.goServices()
	if err != nil {
		return err
	}
	var body bytes.Buffer
	comment(&body, "initServices points each service field of c at its API area.")
	body.WriteString("func (c *Client) initServices() {\n\ts := &service{client: c}\n")
	for _, svc := range svcs {
		fmt.Fprintf(&body, "\tc.%s = (*%sService)(s)\n", svc.name, svc.name)
	}
	body.WriteString("}\n\n")
	for _, svc := range svcs {
		comment(&body, "%s", wrap(svc.name+"Service "+svc.doc, 76))
		fmt.Fprintf(&body, "type %sService service\n\n", svc.name)
		for _, m := range svc.methods {
			g.method(&body, svc, m)
		}
	}
	var imports []string
	for _, imp := range []struct{ use, path string }{{"bytes.", `"bytes"`}, {"context.", `"context"`}, {"iter.Seq2", `"iter"`}, {"http.", `"net/http"`}} {
		if bytes.Contains(body.Bytes(), []byte(imp.use)) {
			imports = append(imports, imp.path)
		}
	}
	if bytes.Contains(body.Bytes(), []byte("gen.")) {
		imports = append(imports, `"github.com/loopsdev/loops-go/gen"`)
	}
	fmt.Fprintf(b, "package loops\n\nimport (\n\t%s\n)\n\n", strings.Join(imports, "\n\t"))
	b.Write(body.Bytes())
	return nil
}

// goServices reads the services and methods from the contract, in tag
// order and, within a service, in the order of its operationIds.
func (g *generator) goServices() ([]*goService, error) {
	var svcs []*goService
	byTag := map[string]*goService{}
	for _, tag := range g.c.doc.Tags {
		ext, ok := tag.Extensions[serviceExtension].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("tag %q has no %s", tag.Name, serviceExtension)
		}
		svc := &goService{name: fmt.Sprint(ext["name"]), doc: strings.TrimSpace(fmt.Sprint(ext["doc"]))}
		svcs, byTag[tag.Name] = append(svcs, svc), svc
	}
	for _, o := range g.c.operations() {
		ext, ok := o.op.Extensions[methodExtension].(map[string]any)
		if !ok {
			continue
		}
		if len(o.op.Tags) != 1 || byTag[o.op.Tags[0]] == nil {
			return nil, fmt.Errorf("%s: %s needs exactly one tag with %s", o.op.OperationID, methodExtension, serviceExtension)
		}
		sig, err := g.signature(o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.op.OperationID, err)
		}
		m := goMethod{o: o, sig: sig, name: fmt.Sprint(ext["method"]), doc: strings.TrimSpace(fmt.Sprint(ext["doc"])), result: g.public(sig.result)}
		if c, ok := ext["check"]; ok {
			m.check = fmt.Sprint(c)
		}
		if in := sig.input; in != nil {
			m.inputType = in.typ
			if in.kind == "body" {
				if name, ok := strings.CutPrefix(o.body.Ref, "#/components/schemas/"); ok {
					t, _ := g.goType(name)
					m.inputType = "*" + g.public("gen."+t)
				}
			}
		}
		svc := byTag[o.op.Tags[0]]
		svc.methods = append(svc.methods, m)
	}
	return svcs, nil
}

// method writes one public method, and ListIter for a list. The method
// does the whole call itself (checks, encoding, the pipeline), so that a
// reader goes from it straight to the shared helpers.
func (g *generator) method(b *bytes.Buffer, svc *goService, m goMethod) {
	params := []string{"ctx context.Context"}
	if len(m.sig.pathArgs) > 0 {
		params = append(params, strings.Join(m.sig.pathArgs, ", ")+" string")
	}
	if in := m.sig.input; in != nil {
		params = append(params, in.name+" "+m.inputType)
	}
	params = append(params, "opts ...CallOption")
	comment(b, "%s %s", m.name, m.doc)
	fmt.Fprintf(b, "func (s *%sService) %s(%s) %s {\n", svc.name, m.name, strings.Join(params, ", "), m.result)
	fmt.Fprintf(b, "\tconst op = %q\n", svc.name+"."+m.name)
	if m.check != "" {
		fmt.Fprintf(b, "\tif err := %s(op, %s); err != nil {\n\t\treturn %s\n\t}\n", m.check, m.sig.input.name, g.failWith(m.o, "err"))
	}
	g.callBody(b, m.o, m.sig, "clientOf(s)") // nil-safe: a zero Client has nil services
	b.WriteString("}\n\n")
	if m.sig.input == nil || m.sig.input.kind != "list" {
		return
	}
	item := g.public("gen." + g.listItem(m.o))
	comment(b, "%s", wrap(fmt.Sprintf("%sIter ranges over every [%s] of %s's pages, fetching each page as the loop needs it; opts apply to every page.", m.name, item, m.name), 76))
	if m.o.op.Deprecated { // the iterator goes with its list, in Go's own terms
		comment(b, "\n%s", wrap(fmt.Sprintf("Deprecated: as [%sService.%s] is.", svc.name, m.name), 76))
	}
	fmt.Fprintf(b, "func (s *%sService) %sIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[%s, error] {\n", svc.name, m.name, item)
	fmt.Fprintf(b, "\treturn paginate[%s](ctx, lo, opts, s.%s)\n}\n\n", item, m.name)
}

// listItem is the gen type of the items of a list operation's answer: its
// data array's.
func (g *generator) listItem(o operation) string {
	if s := successSchema(o); s != nil && s.Value != nil {
		if data := s.Value.Properties["data"]; data != nil && data.Value.Type.Is(openapi3.TypeArray) {
			t, _ := g.goType(strings.TrimPrefix(data.Value.Items.Ref, "#/components/schemas/"))
			return t
		}
	}
	return "any"
}

// genName matches a gen type in a Go type expression.
var genName = regexp.MustCompile(`gen\.(\w+)`)

// public rewrites the gen types in a Go type expression to the names
// package loops gives them: its own alias, or the re-exported model name.
func (g *generator) public(expr string) string {
	if g.models == nil {
		g.models = g.modelTypes()
	}
	return genName.ReplaceAllStringFunc(expr, func(ref string) string {
		name := strings.TrimPrefix(ref, "gen.")
		switch {
		case g.loops.aliasesOf[ref] != "":
			return g.loops.aliasesOf[ref]
		case slices.Contains(g.models, name) && g.loops.types[name] == nil:
			return name
		}
		return ref
	})
}

// wrap breaks text into lines of at most width characters.
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines, line = append(lines, line), w
			continue
		}
		line = strings.TrimSpace(line + " " + w)
	}
	return strings.Join(append(lines, line), "\n")
}

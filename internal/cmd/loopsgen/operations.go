package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Route flags, as package loops's pipeline reads them (loops/routes.go).
const (
	flagKeyed      = "routeKeyed"      // takes an Idempotency-Key
	flagRevisioned = "routeRevisioned" // carries expectedRevisionId: a replay meets 409
	flagContent    = "routeContent"    // counts against the content API's budget
	flagIdempotent = "routeIdempotent" // x-loops-idempotent: repeating it changes nothing
)

// contentExtension marks a tag whose operations form Loops' content API
// (and so count against its own rate budget), or one operation.
const contentExtension = "x-loops-content-api"

// operations writes loops/operations.gen.go.
func (g *generator) operations(b *bytes.Buffer) error {
	b.WriteString(`package loops

import (
	"bytes"
	"context"
	"net/http"

	"github.com/loopsdev/loops-go/gen"
)

var _ = bytes.NewReader

`)
	ops := g.c.operations()
	var vars, table bytes.Buffer
	for _, o := range ops {
		if _, public := o.op.Extensions[methodExtension]; !public {
			if err := g.operation(b, o); err != nil {
				return fmt.Errorf("%s: %w", o.op.OperationID, err)
			}
		}
		fmt.Fprintf(&vars, "\t%s = &route{%q, %q, %q, %s, %s}\n", routeVar(o), o.method, o.path, o.op.OperationID, g.flags(o), requiredAnswer(o))
		fmt.Fprintf(&table, "\t%s,\n", routeVar(o))
	}
	comment(b, "The route of each operation: what the pipeline needs to know about it.\nA typed call hands its own to the pipeline, which matches paths only for\nClient.Do and the low-level gen client.")
	b.WriteString("var (\n" + vars.String() + ")\n\n")
	comment(b, "routes lists every operation of the contract, sorted by operationId.")
	b.WriteString("var routes = []*route{\n" + table.String() + "}\n")
	return nil
}

func (g *generator) flags(o operation) string {
	var fs []string
	for _, p := range o.params {
		if strings.EqualFold(p.Value.Name, "Idempotency-Key") && p.Value.In == openapi3.ParameterInHeader {
			fs = append(fs, flagKeyed)
		}
	}
	if o.op.Extensions["x-loops-idempotent"] == true {
		fs = append(fs, flagIdempotent)
	}
	if o.body != nil && revisioned(o.body.Value) {
		fs = append(fs, flagRevisioned)
	}
	content := false
	for _, name := range o.op.Tags {
		if tag := g.c.doc.Tags.Get(name); tag != nil && tag.Extensions[contentExtension] == true {
			content = true
		}
	}
	if v, ok := o.op.Extensions[contentExtension].(bool); ok {
		content = v // the operation's own mark wins over its tag's
	}
	if content {
		fs = append(fs, flagContent)
	}
	if len(fs) == 0 {
		return "0"
	}
	return strings.Join(fs, " | ")
}

// revisioned reports whether a request body carries expectedRevisionId:
// as a property, or in every alternative of a oneOf.
func revisioned(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	if s.Properties["expectedRevisionId"] != nil {
		return true
	}
	return len(s.OneOf) > 0 && !slices.ContainsFunc(s.OneOf, func(alt *openapi3.SchemaRef) bool { return !revisioned(alt.Value) })
}

// signature is the shape of an operation's unexported method: what
// operations.gen.go declares and services.gen.go calls.
type signature struct {
	goName   string   // gen's name for the operation, such as ListCampaigns
	pathArgs []string // Go names of the path parameters, in path order
	input    *param   // the list options, query parameters or body, if any
	result   string   // the Go result list, such as "(*gen.Campaign, error)"
	helper   string   // call, callList or callNoContent, with its type argument
	checks   []string // the path parameter checks
	args     []string // the arguments of the gen client call, after ctx
	prelude  string   // statements before the body is encoded
}

// param is one Go parameter; kind is "list", "params" or "body".
type param struct{ name, typ, kind string }

func (g *generator) signature(o operation) (*signature, error) {
	goName, ft, err := g.clientMethod(o)
	if err != nil {
		return nil, err
	}
	sig := &signature{goName: goName}
	// Path parameters come first in gen's signature, in path order; errors
	// name them as the contract does.
	var specNames []string
	for _, seg := range strings.Split(o.path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			specNames = append(specNames, strings.TrimSuffix(name, "}"))
		}
	}
	for _, f := range ft.Params.List[1:] { // after ctx
		for _, n := range f.Names {
			switch n.Name {
			case "params", "contentType", "body", "reqEditors":
				continue
			}
			goArg := goIdent(n.Name)
			sig.pathArgs = append(sig.pathArgs, goArg)
			sig.checks = append(sig.checks, fmt.Sprintf("checkPath(op, %q, %s)", specNames[len(sig.pathArgs)-1], goArg))
		}
	}
	sig.args = slices.Clone(sig.pathArgs)
	if hasParam(ft, "params") {
		paramsType := "gen." + goName + "Params"
		switch {
		case isListParams(o):
			sig.input = &param{"lo", "*ListOptions", "list"}
			sig.prelude = fmt.Sprintf("\tpage, err := lo.params(op)\n\tif err != nil {\n\t\treturn %s\n\t}\n", g.fail(o))
			sig.args = append(sig.args, "&"+paramsType+"{PerPage: page.perPage, Cursor: page.cursor}")
		case hasQueryParams(o):
			sig.input = &param{"params", "*" + paramsType, "params"}
			sig.args = append(sig.args, "params")
		default: // header parameters only: the pipeline sets them
			sig.args = append(sig.args, "nil")
		}
	}
	if hasParam(ft, "contentType") {
		sig.input = &param{"req", "*gen." + goName + "JSONRequestBody", "body"}
		sig.args = append(sig.args, "jsonContentType", "bytes.NewReader(payload)")
	}
	sig.result, sig.helper = g.result(o)
	return sig, nil
}

// operation writes the unexported method of an operation that has no
// generated public method (x-go): package loops wraps it by hand.
func (g *generator) operation(b *bytes.Buffer, o operation) error {
	sig, err := g.signature(o)
	if err != nil {
		return err
	}
	params := []string{"ctx context.Context", "op string", "opts []CallOption"}
	for _, a := range sig.pathArgs {
		params = append(params, a+" string")
	}
	if sig.input != nil {
		params = append(params, sig.input.name+" "+sig.input.typ)
	}
	comment(b, "%s sends %s %s (%s).", lowerFirst(sig.goName), o.method, o.path, o.op.OperationID)
	fmt.Fprintf(b, "func (c *Client) %s(%s) %s {\n", lowerFirst(sig.goName), strings.Join(params, ", "), sig.result)
	g.callBody(b, o, sig, "c")
	b.WriteString("}\n\n")
	return nil
}

// callBody writes the statements of an operation's call, from the path
// parameter checks to the pipeline call: the one body every generated
// method of an operation has. client is the expression of the *Client;
// ctx, op, opts, the path parameters and the input (sig.input.name) are in
// scope.
func (g *generator) callBody(b *bytes.Buffer, o operation, sig *signature, client string) {
	if len(sig.checks) > 0 {
		fmt.Fprintf(b, "\tif err := firstError(%s); err != nil {\n\t\treturn %s\n\t}\n", strings.Join(sig.checks, ", "), g.failWith(o, "err"))
	}
	b.WriteString(sig.prelude)
	send := client + ".gen." + sig.goName
	if sig.input != nil && sig.input.kind == "body" {
		fmt.Fprintf(b, "\tpayload, err := encodeBody(op, req)\n\tif err != nil {\n\t\treturn %s\n\t}\n", g.failWith(o, "err"))
		send += "WithBody"
	}
	fmt.Fprintf(b, "\treturn %s(ctx, %s, %s, op, opts, func(ctx context.Context) (*http.Response, error) {\n\t\treturn %s(%s)\n\t})\n",
		g.public(sig.helper), client, routeVar(o), send, strings.Join(append([]string{"ctx"}, sig.args...), ", "))
}

// routeVar names the variable that holds an operation's route.
func routeVar(o operation) string {
	return "route" + strings.ToUpper(o.op.OperationID[:1]) + o.op.OperationID[1:]
}

// clientMethod finds the gen client method of an operation: the WithBody
// form for one with a JSON body.
func (g *generator) clientMethod(o operation) (string, *ast.FuncType, error) {
	iface := g.gen.interfaces["ClientInterface"]
	for _, name := range sortedKeys(iface) {
		if !strings.EqualFold(name, o.op.OperationID) {
			continue
		}
		if o.body != nil {
			if ft, ok := iface[name+"WithBody"]; ok {
				return name, ft, nil
			}
		}
		return name, iface[name], nil
	}
	return "", nil, fmt.Errorf("no method in gen.ClientInterface")
}

func hasParam(ft *ast.FuncType, name string) bool {
	for _, f := range ft.Params.List {
		for _, n := range f.Names {
			if n.Name == name {
				return true
			}
		}
	}
	return false
}

// isListParams reports whether an operation's query is exactly the
// pagination pair, which callers give as *ListOptions.
func isListParams(o operation) bool {
	var names []string
	for _, p := range o.params {
		if p.Value.In == openapi3.ParameterInQuery {
			names = append(names, p.Value.Name)
		}
	}
	slices.Sort(names)
	return slices.Equal(names, []string{"cursor", "perPage"})
}

func hasQueryParams(o operation) bool {
	return slices.ContainsFunc(o.params, func(p *openapi3.ParameterRef) bool { return p.Value.In == openapi3.ParameterInQuery })
}

// result returns the Go result list of an operation and the helper that
// performs it: call (one decoded object), callList (a bare array), or
// callNoContent (204, or an answer that says nothing but success).
func (g *generator) result(o operation) (string, string) {
	s := successSchema(o)
	if s == nil {
		return "error", "callNoContent"
	}
	if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
		if name == "SuccessResponse" || name == "MessageResponse" {
			return "error", "callNoContent"
		}
		t, _ := g.goType(name)
		return "(*gen." + t + ", error)", "call[gen." + t + "]"
	}
	if s.Value != nil && s.Value.Type.Is(openapi3.TypeArray) && s.Value.Items != nil {
		elem := "string"
		if name, ok := strings.CutPrefix(s.Value.Items.Ref, "#/components/schemas/"); ok {
			t, _ := g.goType(name)
			elem = "gen." + t
		}
		return "([]" + elem + ", error)", "callList[" + elem + "]"
	}
	return "error", "callNoContent"
}

// requiredAnswer is the Go literal of the JSON fields the contract requires
// in an operation's 2xx answer object ("nil" when it requires none, or the
// answer is not an object), which the client checks before it decodes.
func requiredAnswer(o operation) string {
	s := successSchema(o)
	if s == nil || s.Value == nil || len(s.Value.Required) == 0 {
		return "nil"
	}
	names := slices.Sorted(slices.Values(s.Value.Required))
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return "[]string{" + strings.Join(quoted, ", ") + "}"
}

// successSchema is the JSON schema of an operation's first 2xx answer, or
// nil when that answer has no JSON body.
func successSchema(o operation) *openapi3.SchemaRef {
	for _, status := range sortedKeys(o.op.Responses.Map()) {
		ref := o.op.Responses.Value(status)
		if !strings.HasPrefix(status, "2") || ref == nil || ref.Value == nil {
			continue
		}
		if mt := ref.Value.Content.Get("application/json"); mt != nil {
			return mt.Schema
		}
		return nil
	}
	return nil
}

// fail is the return statement of a failed call.
func (g *generator) fail(o operation) string { return g.failWith(o, "err") }

func (g *generator) failWith(o operation, err string) string {
	if r, _ := g.result(o); r == "error" {
		return err
	}
	return "nil, " + err
}

// goIdent makes a parameter name safe as a Go identifier and Go-styled:
// campaignId becomes campaignID.
func goIdent(name string) string {
	if strings.HasSuffix(name, "Id") {
		name = strings.TrimSuffix(name, "Id") + "ID"
	}
	if _, err := strconv.Unquote(`"` + name + `"`); err != nil || name == "type" || name == "func" {
		return name + "_"
	}
	return name
}

package main

import (
	"fmt"
	"github.com/getkin/kin-openapi/openapi3"
	"net/http"
	"sort"
	"strings"
)

// endpoint identifies an operation across documents.
type endpoint struct {
	method string
	path   string
}

// operation is one operation of a document.
type operation struct {
	endpoint
	id       string
	tag      string
	op       *openapi3.Operation
	pathItem *openapi3.PathItem
}

// methodRank orders methods the way API references usually list them.
var methodRank = map[string]int{
	http.MethodGet: 0, http.MethodPost: 1, http.MethodPut: 2, http.MethodPatch: 3, http.MethodDelete: 4,
}

// lessEndpoint sorts by path, then by method.
func lessEndpoint(a, b endpoint) bool {
	if a.path != b.path {
		return a.path < b.path
	}
	ra, okA := methodRank[a.method]
	rb, okB := methodRank[b.method]
	if okA && okB && ra != rb {
		return ra < rb
	}
	return a.method < b.method
}

// collectOperations indexes a document's operations by method and path.
func collectOperations(doc *openapi3.T) map[endpoint]operation {
	ops := map[endpoint]operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := endpoint{method: strings.ToUpper(method), path: path}
			tag := "(untagged)"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			ops[key] = operation{endpoint: key, id: op.OperationID, tag: tag, op: op, pathItem: item}
		}
	}
	return ops
}

// sortedOperations returns ops in endpoint order.
func sortedOperations(ops []operation) []operation {
	sort.Slice(ops, func(i, j int) bool { return lessEndpoint(ops[i].endpoint, ops[j].endpoint) })
	return ops
}

// report is the outcome of a comparison.
type report struct {
	oursSource, upstreamSource string
	oursInfo, upstreamInfo     string
	oursCount, upstreamCount   int
	upstreamOnly               []operation
	oursOnly                   []operation
	shared                     []operationDiff
}

// operationDiff lists the differences of one shared operation.
type operationDiff struct {
	endpoint
	oursID, upstreamID string
	lines              []string
}

// compareDocuments builds the drift report of ours against upstream.
func compareDocuments(ours, upstream *openapi3.T) report {
	oursOps, upstreamOps := collectOperations(ours), collectOperations(upstream)
	rep := report{
		oursInfo:      describeDocument(ours),
		upstreamInfo:  describeDocument(upstream),
		oursCount:     len(oursOps),
		upstreamCount: len(upstreamOps),
	}
	for key, up := range upstreamOps {
		if _, ok := oursOps[key]; !ok {
			rep.upstreamOnly = append(rep.upstreamOnly, up)
		}
	}
	for key, our := range oursOps {
		up, ok := upstreamOps[key]
		if !ok {
			rep.oursOnly = append(rep.oursOnly, our)
			continue
		}
		rep.shared = append(rep.shared, operationDiff{
			endpoint:   key,
			oursID:     our.id,
			upstreamID: up.id,
			lines:      diffOperation(our, up),
		})
	}
	sortedOperations(rep.upstreamOnly)
	sortedOperations(rep.oursOnly)
	sort.Slice(rep.shared, func(i, j int) bool { return lessEndpoint(rep.shared[i].endpoint, rep.shared[j].endpoint) })
	return rep
}

// describeDocument names a document's title, version and OpenAPI version.
func describeDocument(doc *openapi3.T) string {
	if doc.Info == nil {
		return "OpenAPI " + doc.OpenAPI
	}
	return fmt.Sprintf("%s %s (OpenAPI %s)", doc.Info.Title, doc.Info.Version, doc.OpenAPI)
}

// diffOperation lists every difference between two versions of an operation.
func diffOperation(ours, upstream operation) []string {
	var lines []string
	if ours.id != upstream.id {
		lines = append(lines, fmt.Sprintf("operationId: ours %s, upstream %s", orNone(ours.id), orNone(upstream.id)))
	}
	lines = append(lines, diffParameters(ours, upstream)...)
	lines = append(lines, diffRequestBodies(ours.op.RequestBody, upstream.op.RequestBody)...)
	lines = append(lines, diffResponses(ours.op.Responses, upstream.op.Responses)...)
	lines = append(lines, diffResponseBodies(ours.op.Responses, upstream.op.Responses)...)
	return lines
}

// orNone prints an empty value as "none".
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// parameterKey identifies a parameter: its location and name (header names
// are case-insensitive).
func parameterKey(p *openapi3.Parameter) string {
	name := p.Name
	if p.In == openapi3.ParameterInHeader {
		name = strings.ToLower(name)
	}
	return p.In + " " + name
}

// effectiveParameters merges path-level and operation-level parameters, the
// operation's winning, keyed by parameterKey.
func effectiveParameters(o operation) map[string]*openapi3.Parameter {
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{o.pathItem.Parameters, o.op.Parameters} {
		for _, ref := range list {
			if ref != nil && ref.Value != nil {
				params[parameterKey(ref.Value)] = ref.Value
			}
		}
	}
	return params
}

// diffParameters compares the parameters of two operations.
func diffParameters(ours, upstream operation) []string {
	oursParams, upstreamParams := effectiveParameters(ours), effectiveParameters(upstream)
	var lines []string
	for _, key := range unionKeys(oursParams, upstreamParams) {
		our, up := oursParams[key], upstreamParams[key]
		label := parameterLabel(our, up)
		switch {
		case up == nil:
			lines = append(lines, fmt.Sprintf("%s: only ours (%s)", label, describeSchema(our.Schema)))
		case our == nil:
			lines = append(lines, fmt.Sprintf("%s: only upstream (%s)", label, describeSchema(up.Schema)))
		default:
			for _, d := range diffAttributes(parameterAttributes(our), parameterAttributes(up)) {
				lines = append(lines, label+": "+d)
			}
		}
	}
	return lines
}

// parameterLabel names a parameter as spelt by ours, else by upstream.
func parameterLabel(ours, upstream *openapi3.Parameter) string {
	p := ours
	if p == nil {
		p = upstream
	}
	return fmt.Sprintf("parameter %s %q", p.In, p.Name)
}

// attribute is one named, printable property of a parameter or schema.
type attribute struct{ name, value string }

// parameterAttributes lists what is compared for a parameter.
func parameterAttributes(p *openapi3.Parameter) []attribute {
	attrs := []attribute{{"required", yesNo(p.Required)}}
	return append(attrs, schemaAttributes(p.Schema)...)
}

// schemaAttributes lists the type, the bounds and the enum of a schema.
func schemaAttributes(ref *openapi3.SchemaRef) []attribute {
	attrs := []attribute{{"type", describeSchema(ref)}}
	if ref == nil || ref.Value == nil {
		return attrs
	}
	s := ref.Value
	return append(attrs,
		attribute{"minimum", formatFloat(s.Min)},
		attribute{"maximum", formatFloat(s.Max)},
		attribute{"minLength", formatMinLength(s.MinLength)},
		attribute{"maxLength", formatUint(s.MaxLength)},
		attribute{"enum", formatEnum(s.Enum)},
	)
}

// diffAttributes reports each attribute whose value differs.
func diffAttributes(ours, upstream []attribute) []string {
	var lines []string
	for i := range ours {
		if ours[i].value != upstream[i].value {
			lines = append(lines, fmt.Sprintf("%s: ours %s, upstream %s", ours[i].name, ours[i].value, upstream[i].value))
		}
	}
	return lines
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func formatFloat(f *float64) string {
	if f == nil {
		return "none"
	}
	return fmt.Sprintf("%g", *f)
}

func formatUint(u *uint64) string {
	if u == nil {
		return "none"
	}
	return fmt.Sprint(*u)
}

func formatMinLength(u uint64) string {
	if u == 0 {
		return "none"
	}
	return fmt.Sprint(u)
}

func formatEnum(values []any) string {
	if len(values) == 0 {
		return "none"
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// maxSchemaDepth stops describeSchema on deeply nested or recursive schemas.
const maxSchemaDepth = 8

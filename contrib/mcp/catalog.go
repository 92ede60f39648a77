package loopsmcp

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/loopsdev/loops-go/openapi"
)

// Operation is one operation of the contract (openapi/loops.yaml) as the
// server offers it: every field is derived from the contract, so an
// operation added there is served with no line written here.
type Operation struct {
	// Name is the contract's operationId, such as "sendEvent".
	Name string `json:"name"`
	// Method and Path are the HTTP request line, such as "POST" and
	// "/v1/events/send".
	Method string `json:"method"`
	Path   string `json:"path"`
	// Tag is the operation's API area, such as "Contacts".
	Tag string `json:"tag"`
	// Summary and Description are the contract's text.
	Summary     string `json:"summary"`
	Description string `json:"description,omitempty"`
	// Class is the operation's safety class.
	Class Class `json:"class"`
	// Idempotent is true when repeating the call with the same arguments
	// has no further effect (reads, PUT, DELETE, x-loops-idempotent).
	Idempotent bool `json:"idempotent"`
	// Keyed operations take an Idempotency-Key: the server always sends
	// one and returns it.
	Keyed bool `json:"idempotencyKey,omitempty"`
	// NeedsApproval operations send text written for a person at Loops
	// (feedback): the call must state that the user saw and approved it.
	NeedsApproval bool `json:"needsUserApproval,omitempty"`
	// InputSchema is the JSON Schema (2020-12) of the operation's input:
	// its path and query parameters by name, and its request body as
	// "body".
	InputSchema map[string]any `json:"inputSchema"`

	params       []param
	bodyRequired bool
	hasBody      bool
	route        *routers.Route
}

// param is a path or query parameter of an operation.
type param struct {
	name, in string
	required bool
}

// extSafety is the contract extension that names an operation's class
// where the rules of classify cannot tell it (a POST that deletes, a POST
// that sends mail).
const extSafety = "x-loops-safety"

// approvalTag is the API area whose operations carry text to Loops' staff:
// Loops asks that an agent show it to the user and get their agreement
// before sending it.
const approvalTag = "Feedback"

// catalog is the parsed contract, shared by every server in the process.
type catalog struct {
	doc    *openapi3.T
	ops    []*Operation // sorted by Name
	byName map[string]*Operation
}

var (
	catalogOnce sync.Once
	shared      *catalog
	catalogErr  error
)

// loadCatalog parses the embedded contract once.
func loadCatalog() (*catalog, error) {
	catalogOnce.Do(func() { shared, catalogErr = parseCatalog(openapi.Spec()) })
	return shared, catalogErr
}

// Operations lists every operation of the contract embedded in
// github.com/loopsdev/loops-go/openapi, sorted by name.
func Operations() ([]*Operation, error) {
	c, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	return slices.Clone(c.ops), nil
}

func parseCatalog(spec []byte) (*catalog, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("loops-mcp: loading the contract: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("loops-mcp: the contract is invalid: %w", err)
	}
	c := &catalog{doc: doc, byName: map[string]*Operation{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			o, err := c.operation(path, item, method, op)
			if err != nil {
				return nil, err
			}
			if c.byName[o.Name] != nil {
				return nil, fmt.Errorf("loops-mcp: two operations are named %q", o.Name)
			}
			c.ops, c.byName[o.Name] = append(c.ops, o), o
		}
	}
	slices.SortFunc(c.ops, func(a, b *Operation) int { return cmp.Compare(a.Name, b.Name) })
	return c, nil
}

func (c *catalog) operation(path string, item *openapi3.PathItem, method string, op *openapi3.Operation) (*Operation, error) {
	o := &Operation{
		Name:        op.OperationID,
		Method:      method,
		Path:        path,
		Summary:     op.Summary,
		Description: strings.TrimSpace(op.Description),
		route:       &routers.Route{Spec: c.doc, Path: path, PathItem: item, Method: method, Operation: op},
	}
	if o.Name == "" {
		return nil, fmt.Errorf("loops-mcp: %s %s has no operationId", method, path)
	}
	if len(op.Tags) > 0 {
		o.Tag = op.Tags[0]
	}
	conv := &converter{doc: c.doc, defs: map[string]any{}}
	props := map[string]any{}
	var required []string
	for _, ref := range slices.Concat(item.Parameters, op.Parameters) {
		p := ref.Value
		switch {
		case p.In == openapi3.ParameterInHeader && strings.EqualFold(p.Name, "Idempotency-Key"):
			o.Keyed = true
			continue
		case p.In != openapi3.ParameterInPath && p.In != openapi3.ParameterInQuery:
			return nil, fmt.Errorf("loops-mcp: %s: %s parameter %q is not supported", o.Name, p.In, p.Name)
		}
		o.params = append(o.params, param{name: p.Name, in: p.In, required: p.Required})
		s := conv.schema(p.Schema, nil)
		if p.Description != "" {
			s["description"] = p.Description
		}
		props[p.Name] = s
		if p.Required {
			required = append(required, p.Name)
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		mt := rb.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil {
			return nil, fmt.Errorf("loops-mcp: %s: only JSON request bodies are supported", o.Name)
		}
		o.hasBody, o.bodyRequired = true, rb.Value.Required
		s := conv.schema(mt.Schema, nil)
		if _, ok := s["description"]; !ok && rb.Value.Description != "" {
			s["description"] = rb.Value.Description
		}
		props["body"] = s
		if o.bodyRequired {
			required = append(required, "body")
		}
	}
	o.InputSchema = map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o.InputSchema["required"] = required
	}
	if len(conv.defs) > 0 {
		o.InputSchema["$defs"] = conv.defs
	}
	var err error
	if o.Class, err = classify(o, op); err != nil {
		return nil, err
	}
	o.NeedsApproval = o.Tag == approvalTag
	o.Idempotent = o.Class == Read || method == http.MethodPut || method == http.MethodDelete || op.Extensions["x-loops-idempotent"] == true
	return o, nil
}

// classify derives an operation's safety class from the contract: an
// explicit x-loops-safety wins; otherwise GET reads, DELETE destroys, an
// Idempotency-Key parameter or the Feedback tag marks a send, and any
// other method writes.
func classify(o *Operation, op *openapi3.Operation) (Class, error) {
	if v, ok := op.Extensions[extSafety]; ok {
		name, _ := v.(string)
		c, err := parseClass(name)
		if err != nil {
			return 0, fmt.Errorf("loops-mcp: %s: %s: %w", o.Name, extSafety, err)
		}
		return c, nil
	}
	switch {
	case o.Method == http.MethodGet || o.Method == http.MethodHead:
		return Read, nil
	case o.Method == http.MethodDelete:
		return Destructive, nil
	case o.Keyed || o.Tag == approvalTag:
		return Send, nil
	}
	return Write, nil
}

// converter turns the contract's OpenAPI 3.0 schemas into JSON Schema
// 2020-12, which MCP clients read: references are inlined (a recursive one
// goes to $defs), nullable becomes a null type, example becomes examples,
// and OpenAPI-only keys are dropped.
type converter struct {
	doc  *openapi3.T
	defs map[string]any
}

func (c *converter) schema(ref *openapi3.SchemaRef, stack []string) map[string]any {
	b, err := json.Marshal(ref)
	if err != nil {
		return map[string]any{} // unreachable for a loaded document
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return map[string]any{}
	}
	return c.node(m, stack)
}

const schemaPrefix = "#/components/schemas/"

func (c *converter) node(m map[string]any, stack []string) map[string]any {
	if r, ok := m["$ref"].(string); ok {
		name := strings.TrimPrefix(r, schemaPrefix)
		if slices.Contains(stack, name) {
			if _, done := c.defs[name]; !done {
				c.defs[name] = map[string]any{} // reserve, then fill: breaks the cycle
				c.defs[name] = c.schema(c.doc.Components.Schemas[name], nil)
			}
			return map[string]any{"$ref": "#/$defs/" + name}
		}
		return c.schema(c.doc.Components.Schemas[name], append(stack, name))
	}
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, "x-"), k == "discriminator", k == "xml", k == "externalDocs":
			delete(m, k)
		case k == "example":
			delete(m, k)
			m["examples"] = []any{v}
		case k == "properties":
			props, _ := v.(map[string]any)
			for name, p := range props {
				if pm, ok := p.(map[string]any); ok {
					props[name] = c.node(pm, stack)
				}
			}
		case k == "items" || k == "additionalProperties" || k == "not":
			if pm, ok := v.(map[string]any); ok {
				m[k] = c.node(pm, stack)
			}
		case k == "allOf" || k == "anyOf" || k == "oneOf":
			list, _ := v.([]any)
			for i, p := range list {
				if pm, ok := p.(map[string]any); ok {
					list[i] = c.node(pm, stack)
				}
			}
		}
	}
	if m["nullable"] == true {
		delete(m, "nullable")
		if t, ok := m["type"].(string); ok {
			m["type"] = []any{t, "null"}
			if enum, ok := m["enum"].([]any); ok && !slices.Contains(enum, nil) {
				m["enum"] = append(enum, nil)
			}
		} else {
			return map[string]any{"anyOf": []any{m, map[string]any{"type": "null"}}}
		}
	}
	delete(m, "nullable")
	return m
}

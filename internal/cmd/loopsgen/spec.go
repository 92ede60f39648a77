package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// contract is the loaded openapi/loops.yaml and what the generator derives
// from it once.
type contract struct {
	doc *openapi3.T
	// inRequests and inResponses name the component schemas reachable from
	// request bodies and parameters, and from answers.
	inRequests, inResponses map[string]bool
}

func loadContract(root string) (*contract, error) {
	data, err := os.ReadFile(filepath.Join(root, "openapi", "loops.yaml"))
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading the contract: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the contract is invalid: %w", err)
	}
	c := &contract{doc: doc, inRequests: map[string]bool{}, inResponses: map[string]bool{}}
	for _, op := range c.operations() {
		for _, p := range op.params {
			c.reach(p.Value.Schema, c.inRequests)
		}
		if op.body != nil {
			c.reach(op.body, c.inRequests)
		}
		for _, ref := range op.op.Responses.Map() {
			if ref.Value == nil {
				continue
			}
			for _, mt := range ref.Value.Content {
				c.reach(mt.Schema, c.inResponses)
			}
		}
	}
	// Webhook payloads are answers too: Loops sends them, we decode them.
	for name := range doc.Components.Schemas {
		if strings.HasPrefix(name, "Webhook") {
			c.reach(doc.Components.Schemas[name], c.inResponses)
		}
	}
	return c, nil
}

// operation is one operation of the contract.
type operation struct {
	method, path string
	op           *openapi3.Operation
	params       openapi3.Parameters
	body         *openapi3.SchemaRef // application/json request body, or nil
}

// operations lists the contract's operations sorted by operationId.
func (c *contract) operations() []operation {
	var ops []operation
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			o := operation{method: method, path: path, op: op, params: slices.Concat(item.Parameters, op.Parameters)}
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				if mt := rb.Value.Content.Get("application/json"); mt != nil {
					o.body = mt.Schema
				}
			}
			ops = append(ops, o)
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.op.OperationID, b.op.OperationID) })
	return ops
}

// reach marks every component schema reachable from ref.
func (c *contract) reach(ref *openapi3.SchemaRef, seen map[string]bool) {
	if ref == nil {
		return
	}
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		if seen[name] {
			return
		}
		seen[name] = true
	}
	s := ref.Value
	if s == nil {
		return
	}
	for _, p := range s.Properties {
		c.reach(p, seen)
	}
	c.reach(s.Items, seen)
	c.reach(s.AdditionalProperties.Schema, seen)
	for _, group := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
		for _, alt := range group {
			c.reach(alt, seen)
		}
	}
}

// sortedSchemaNames returns the component schema names in order.
func (c *contract) sortedSchemaNames() []string {
	var names []string
	for name := range c.doc.Components.Schemas {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

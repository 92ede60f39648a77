package main

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// aliases writes loops/types.gen.go: package loops re-exports gen's models
// (each component schema, the types hoisted from it, and enum values), so
// that programs import one package. A name that package loops declares by
// hand, or a gen type it already re-exports under another name, is skipped.
func (g *generator) aliases(b *bytes.Buffer) error {
	return g.aliasFile(b, false)
}

// workflowAliases writes loops/workflow_types.gen.go: the aliases of the
// types only the workflow services use (nodes, their updates, the unions
// over them), kept apart from the everyday ones.
func (g *generator) workflowAliases(b *bytes.Buffer) error {
	return g.aliasFile(b, true)
}

// aliasFile writes the aliases of the workflow-only types, or of the
// others.
func (g *generator) aliasFile(b *bytes.Buffer, workflow bool) error {
	b.WriteString("package loops\n\nimport \"github.com/loopsdev/loops-go/gen\"\n\n")
	names := g.modelTypes()
	only := g.workflowOnly()
	var consts []string
	b.WriteString("type (\n")
	for _, name := range names {
		if g.loops.types[name] != nil || g.loops.aliasesOf["gen."+name] != "" || strings.HasPrefix(name, "Webhook") {
			continue // webhook payloads are package loops/webhooks' business
		}
		if only[name] != workflow {
			continue
		}
		doc := strings.TrimSpace(cmp.Or(g.gen.docs[name], g.extra[name]))
		if doc == "" || strings.HasSuffix(doc, "defines model for "+name+".") {
			doc = name + " is the contract's " + name + " schema."
		}
		doc = withFields(doc, g.fieldDocs(name, g.loopsName))
		comment(b, "%s", doc)
		fmt.Fprintf(b, "%s = gen.%s\n", name, name)
		for _, c := range g.gen.consts[name] {
			if g.loops.types[c] == nil && !g.loopsDeclaresValue(c) {
				consts = append(consts, c)
			}
		}
	}
	b.WriteString(")\n\n")
	if len(consts) > 0 {
		comment(b, "The values of the enums above, re-exported from package gen.")
		b.WriteString("const (\n")
		for _, c := range consts {
			fmt.Fprintf(b, "%s = gen.%s\n", c, c)
		}
		b.WriteString(")\n")
	}
	return nil
}

// modelTypes lists the gen types that the component schemas became, with
// the named types their fields reach (hoisted structs, enums), sorted.
func (g *generator) modelTypes() []string {
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if name == "" || seen[name] || g.gen.types[name] == nil {
			return
		}
		seen[name] = true
		if s := g.gen.structs[name]; s != nil {
			for _, f := range s.fields {
				_, elem := shape(f.typ)
				visit(identName(elem))
			}
		}
	}
	for _, schema := range g.c.sortedSchemaNames() {
		if t, ok := g.goType(schema); ok {
			visit(t)
		}
	}
	for name := range g.extra {
		seen[name] = true
	}
	return slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	})
}

// loopsDeclaresValue reports whether package loops declares a constant,
// variable or function of that name by hand.
func (g *generator) loopsDeclaresValue(name string) bool {
	return g.loops.values[name]
}

// loopsName is the name package loops gives a gen type: its own alias of
// it, the re-exported name, or gen.Name for a type it does not re-export.
func (g *generator) loopsName(name string) string {
	return g.public("gen." + name)
}

// workflowServices are the services whose own types go to
// workflow_types.gen.go: workflow graphs have dozens of node types that
// the everyday calls never meet.
var workflowServices = []string{"Workflows", "WorkflowNodes"}

// workflowOnly returns the gen types that only the operations of
// workflowServices reach (through their schemas, and the fields and enums
// of those), with the union helpers loopsgen adds for them.
func (g *generator) workflowOnly() map[string]bool {
	if g.workflow != nil {
		return g.workflow
	}
	workflowTags := map[string]bool{}
	for _, tag := range g.c.doc.Tags {
		if ext, ok := tag.Extensions[serviceExtension].(map[string]any); ok && slices.Contains(workflowServices, fmt.Sprint(ext["name"])) {
			workflowTags[tag.Name] = true
		}
	}
	everyday, workflow := map[string]bool{}, map[string]bool{}
	for _, o := range g.c.operations() {
		seen := everyday
		if len(o.op.Tags) == 1 && workflowTags[o.op.Tags[0]] {
			seen = workflow
		}
		for _, p := range o.params {
			g.c.reach(p.Value.Schema, seen)
		}
		g.c.reach(o.body, seen)
		for _, ref := range o.op.Responses.Map() {
			if ref.Value != nil {
				for _, mt := range ref.Value.Content {
					g.c.reach(mt.Schema, seen)
				}
			}
		}
	}
	// From schemas to the gen types they became, with what their fields
	// reach (hoisted structs, enums).
	closure := func(schemas map[string]bool) map[string]bool {
		out := map[string]bool{}
		var visit func(name string)
		visit = func(name string) {
			if name == "" || out[name] || g.gen.types[name] == nil {
				return
			}
			out[name] = true
			if s := g.gen.structs[name]; s != nil {
				for _, f := range s.fields {
					_, elem := shape(f.typ)
					visit(identName(elem))
				}
			}
		}
		for schema := range schemas {
			if t, ok := g.goType(schema); ok {
				visit(t)
			}
		}
		return out
	}
	common := closure(everyday)
	g.workflow = map[string]bool{}
	for name := range closure(workflow) {
		g.workflow[name] = !common[name]
	}
	// The union helpers (UnknownX, XValue) follow their union.
	for name := range g.extra {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "Unknown"), "Value")
		g.workflow[name] = g.workflow[base]
	}
	return g.workflow
}

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
	b.WriteString("package loops\n\nimport \"github.com/loopsdev/loops-go/gen\"\n\n")
	names := g.modelTypes()
	var consts []string
	b.WriteString("type (\n")
	for _, name := range names {
		if g.loops.types[name] != nil || g.loops.aliasesOf["gen."+name] != "" || strings.HasPrefix(name, "Webhook") {
			continue // webhook payloads are package loops/webhooks' business
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

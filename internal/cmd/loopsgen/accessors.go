package main

import (
	"bytes"
	"fmt"
	"slices"
)

// accessors writes gen/accessors.gen.go: for every model, a nil-safe GetX
// method per pointer or Nullable field (go-github's accessors), and
// for every list page the Items and NextCursor methods that the loops
// package's generic iterator uses.
func (g *generator) accessors(b *bytes.Buffer) error {
	b.WriteString("package gen\n\n")
	structs := g.answerStructs()
	for _, name := range structs {
		s := g.gen.structs[name]
		for _, f := range s.fields {
			k, elem := shape(f.typ)
			elemStr := g.gen.typeString(elem)
			switch {
			case k == kindPointer && g.gen.structs[identName(elem)] != nil:
				comment(b, "Get%s returns %s, or nil when it is absent or the %s is nil.", f.name, f.name, name)
				fmt.Fprintf(b, "func (x *%s) Get%s() *%s {\n\tif x == nil {\n\t\treturn nil\n\t}\n\treturn x.%s\n}\n\n", name, f.name, elemStr, f.name)
			case k == kindPointer:
				comment(b, "Get%s returns %s, or the zero value when it is absent or the %s is nil.", f.name, f.name, name)
				fmt.Fprintf(b, "func (x *%s) Get%s() %s {\n\tif x == nil || x.%s == nil {\n\t\tvar zero %s\n\t\treturn zero\n\t}\n\treturn *x.%s\n}\n\n", name, f.name, elemStr, f.name, elemStr, f.name)
			case k == kindNullable:
				comment(b, "Get%s returns %s, or the zero value when it is null, absent, or the %s is nil.", f.name, f.name, name)
				fmt.Fprintf(b, "func (x *%s) Get%s() %s {\n\tif x == nil {\n\t\tvar zero %s\n\t\treturn zero\n\t}\n\tv, _ := x.%s.Get()\n\treturn v\n}\n\n", name, f.name, elemStr, elemStr, f.name)
			}
		}
		if items, ok := g.page(s); ok {
			comment(b, "Items returns the %s on this page; nil for a nil page.", items)
			fmt.Fprintf(b, "func (x *%s) Items() %s {\n\tif x == nil {\n\t\treturn nil\n\t}\n\treturn x.Data\n}\n\n", name, items)
			comment(b, "NextCursor returns the cursor of the page after this one, or \"\" when this\nis the last page.")
			fmt.Fprintf(b, "func (x *%s) NextCursor() string {\n\tif x == nil {\n\t\treturn \"\"\n\t}\n\treturn x.Pagination.GetNextCursor()\n}\n\n", name)
		}
	}
	return nil
}

// page reports whether s is a list page (pagination plus data) and the
// type of its items.
func (g *generator) page(s *goStruct) (string, bool) {
	p, d := s.field("pagination"), s.field("data")
	if p == nil || d == nil || g.gen.typeString(p.typ) != "Pagination" {
		return "", false
	}
	if k, _ := shape(d.typ); k != kindSlice {
		return "", false
	}
	return g.gen.typeString(d.typ), true
}

// answerStructs lists the gen structs that answers carry: the answer-side
// component schemas, and every struct their fields reach, sorted.
func (g *generator) answerStructs() []string {
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		s := g.gen.structs[name]
		if s == nil || seen[name] {
			return
		}
		seen[name] = true
		for _, f := range s.fields {
			_, elem := shape(f.typ)
			visit(identName(elem))
		}
	}
	// Request models get them too: code that builds or inspects a request
	// reads its optional fields the same nil-safe way.
	for _, name := range g.c.sortedSchemaNames() {
		if t, ok := g.goType(name); ok {
			visit(t)
		}
	}
	names := sortedKeys(seen)
	return slices.DeleteFunc(names, func(n string) bool { return g.gen.structs[n] == nil })
}

package main

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// unions writes gen/unions.gen.go. For every union with a discriminator
// (oneOf plus discriminator, alone or as the $ref part of an allOf) it
// writes:
//
//   - <Union>Value, a sealed interface that the alternatives (as
//     pointers) and Unknown<Union> implement, with a getter for the
//     discriminator and for every field all alternatives share;
//   - Unknown<Union>, which holds an alternative this version does not
//     know: the shared fields decoded, and its raw JSON;
//   - a Value method on the union (and on each allOf type built on it)
//     that decodes it and never fails, so that an answer with a type Loops
//     adds later still decodes and its shared fields stay readable;
//   - for a union answer with an alternative marked x-loops-done, Done
//     methods saying whether the answer is that alternative.
func (g *generator) unions(b *bytes.Buffer) error {
	b.WriteString("package gen\n\n")
	g.extra = map[string]string{}
	done := map[string]bool{} // getters written, by "Type.Method"
	for _, name := range g.c.sortedSchemaNames() {
		u := g.discriminated(name)
		if u == nil {
			continue
		}
		iface, unknown := u.goName+"Value", "Unknown"+u.goName
		for _, n := range []string{iface, unknown} {
			if g.gen.types[n] != nil {
				return fmt.Errorf("%s: %s is already declared", name, n)
			}
		}
		// The interface.
		doc := fmt.Sprintf("%s is what the union %s holds, as its Value method decodes it: one of\n%s, or *%s for a %s this version does not know.",
			iface, u.goName, "*"+strings.Join(u.variants, ", *"), unknown, u.prop)
		comment(b, "%s", doc)
		g.extra[iface] = doc
		fmt.Fprintf(b, "type %s interface {\n", iface)
		fmt.Fprintf(b, "\t// Get%s returns the %s that tells the alternatives apart.\n\tGet%s() string\n", u.disc, u.prop, u.disc)
		for _, f := range u.common {
			fmt.Fprintf(b, "\t// Get%s returns the %s field.\n\tGet%s() %s\n", f.name, f.json, f.name, g.getterType(f))
		}
		if u.done != "" {
			fmt.Fprintf(b, "\t// Done reports whether Loops made the change: true only for *%s.\n\tDone() bool\n", u.done)
		}
		fmt.Fprintf(b, "\tis%s()\n}\n\n", iface)
		// The unknown alternative.
		doc = fmt.Sprintf("%s is an alternative of %s whose %s this version does not know: the\nfields every alternative has are decoded, and Raw holds its JSON.", unknown, u.goName, u.prop)
		comment(b, "%s", doc)
		g.extra[unknown] = doc
		fmt.Fprintf(b, "type %s struct {\n\t// %s is the %s Loops sent.\n\t%s string `json:%q`\n", unknown, u.disc, u.prop, u.disc, u.prop)
		for _, f := range u.common {
			tag := f.json
			if f.omitempty {
				tag += ",omitempty"
			}
			fmt.Fprintf(b, "\t// %s is the alternatives' %s field.\n\t%s %s `json:%q`\n", f.name, f.json, f.name, g.gen.typeString(f.typ), tag)
		}
		b.WriteString("\t// Raw is the alternative's JSON as Loops sent it.\n\tRaw json.RawMessage `json:\"-\"`\n}\n\n")
		// Getters and markers.
		for _, t := range append(slices.Clone(u.variants), unknown) {
			comment(b, "Get%s returns the %s.", u.disc, u.prop)
			if t == unknown {
				fmt.Fprintf(b, "func (x *%s) Get%s() string {\n\tif x == nil {\n\t\treturn \"\"\n\t}\n\treturn x.%s\n}\n\n", t, u.disc, u.disc)
			} else {
				fmt.Fprintf(b, "func (x *%s) Get%s() string {\n\tif x == nil {\n\t\treturn \"\"\n\t}\n\treturn string(x.%s)\n}\n\n", t, u.disc, u.disc)
			}
			for _, f := range u.common {
				g.getter(b, t, f, t == unknown, done)
			}
			fmt.Fprintf(b, "func (*%s) is%s() {}\n\n", t, iface)
			if u.done != "" {
				comment(b, "Done reports whether Loops made the change.")
				fmt.Fprintf(b, "func (*%s) Done() bool { return %t }\n\n", t, t == u.done)
			}
		}
		// Value, on the union and on the allOf types that embed it.
		for _, holder := range append([]string{u.goName}, g.embedders(name)...) {
			comment(b, "Value decodes the %s into the alternative its %s names, or an\n*%s when this version does not know it (or it does not\ndecode as that alternative). It never fails.", holder, u.prop, unknown)
			fmt.Fprintf(b, "func (t %s) Value() %s {\n\tswitch d, _ := t.Discriminator(); d {\n", holder, iface)
			for i, v := range u.variants {
				fmt.Fprintf(b, "\tcase %s:\n\t\tif v, err := t.As%s(); err == nil {\n\t\t\treturn &v\n\t\t}\n", strconv.Quote(u.values[i]), v)
			}
			fmt.Fprintf(b, "\t}\n\tu := &%s{Raw: append(json.RawMessage(nil), t.union...)}\n\t_ = json.Unmarshal(t.union, u)\n\treturn u\n}\n\n", unknown)
			if u.done != "" {
				comment(b, "Done reports whether Loops made the change: the answer is a *%s. Any\nother answer (a report, or an alternative this version does not know)\nchanged nothing.", u.done)
				fmt.Fprintf(b, "func (t %s) Done() bool { return t.Value().Done() }\n\n", holder)
			}
		}
	}
	return nil
}

// union describes one discriminated union for unions.
type union struct {
	goName   string
	prop     string   // the discriminator property, such as "typeName"
	disc     string   // its Go field name, such as "TypeName"
	values   []string // discriminator values, sorted
	variants []string // the gen type of each value
	common   []*goField
	done     string // the alternative marked x-loops-done, if any
}

// doneExtension marks the alternative of a union answer that means Loops
// made the change (the others report why it did not): the union and its
// alternatives get a Done method.
const doneExtension = "x-loops-done"

// discriminated describes the component schema name if it is a union with
// a discriminator whose alternatives are all gen structs, or returns nil.
func (g *generator) discriminated(name string) *union {
	s := g.c.doc.Components.Schemas[name].Value
	t, ok := g.goType(name)
	if s.Discriminator == nil || len(s.OneOf) == 0 || !ok || g.gen.methods[t+".Discriminator"] == nil {
		return nil
	}
	u := &union{goName: t, prop: s.Discriminator.PropertyName}
	var structs []*goStruct
	for _, value := range sortedKeys(s.Discriminator.Mapping) {
		vt, ok := g.goType(strings.TrimPrefix(s.Discriminator.Mapping[value].Ref, "#/components/schemas/"))
		st := g.gen.structs[vt]
		if !ok || st == nil || st.field(u.prop) == nil {
			return nil
		}
		if k, _ := shape(st.field(u.prop).typ); k != kindValue {
			return nil
		}
		u.values, u.variants, structs = append(u.values, value), append(u.variants, vt), append(structs, st)
		if ref := g.c.doc.Components.Schemas[strings.TrimPrefix(s.Discriminator.Mapping[value].Ref, "#/components/schemas/")]; ref.Value.Extensions[doneExtension] == true {
			u.done = vt
		}
	}
	u.disc = structs[0].field(u.prop).name
	for _, f := range structs[0].fields {
		shared := f.json != u.prop && f.json != ""
		for _, st := range structs[1:] {
			o := st.field(f.json)
			shared = shared && o != nil && o.name == f.name && g.gen.typeString(o.typ) == g.gen.typeString(f.typ)
		}
		if shared {
			u.common = append(u.common, f)
		}
	}
	return u
}

// embedders lists the gen structs whose schema is an allOf built on the
// union schema name (the union plus fields of their own).
func (g *generator) embedders(name string) []string {
	var out []string
	for _, other := range g.c.sortedSchemaNames() {
		for _, part := range g.c.doc.Components.Schemas[other].Value.AllOf {
			if t, ok := g.goType(other); ok && part.Ref == "#/components/schemas/"+name && g.gen.methods[t+".Discriminator"] != nil {
				out = append(out, t)
			}
		}
	}
	return out
}

// getterType is what the getter of a shared field returns: what
// accessors.go's GetX returns for a pointer or Nullable, the type itself
// otherwise.
func (g *generator) getterType(f *goField) string {
	k, elem := shape(f.typ)
	switch {
	case k == kindPointer && g.gen.structs[identName(elem)] != nil:
		return "*" + g.gen.typeString(elem)
	case k == kindPointer, k == kindNullable:
		return g.gen.typeString(elem)
	}
	return g.gen.typeString(f.typ)
}

// getter writes the GetX method of a shared field on type t, unless
// accessors.go writes it (pointer and Nullable fields of gen's structs).
func (g *generator) getter(b *bytes.Buffer, t string, f *goField, unknown bool, done map[string]bool) {
	k, _ := shape(f.typ)
	key := t + ".Get" + f.name
	if done[key] || (!unknown && (k == kindPointer || k == kindNullable)) {
		return
	}
	done[key] = true
	rt := g.getterType(f)
	comment(b, "Get%s returns %s, or the zero value when the %s is nil.", f.name, f.name, t)
	switch {
	case k == kindPointer && !strings.HasPrefix(rt, "*"):
		fmt.Fprintf(b, "func (x *%s) Get%s() %s {\n\tif x == nil || x.%s == nil {\n\t\tvar zero %s\n\t\treturn zero\n\t}\n\treturn *x.%s\n}\n\n", t, f.name, rt, f.name, rt, f.name)
	case k == kindNullable:
		fmt.Fprintf(b, "func (x *%s) Get%s() %s {\n\tif x == nil {\n\t\tvar zero %s\n\t\treturn zero\n\t}\n\tv, _ := x.%s.Get()\n\treturn v\n}\n\n", t, f.name, rt, rt, f.name)
	default:
		fmt.Fprintf(b, "func (x *%s) Get%s() %s {\n\tif x == nil {\n\t\tvar zero %s\n\t\treturn zero\n\t}\n\treturn x.%s\n}\n\n", t, f.name, rt, rt, f.name)
	}
}

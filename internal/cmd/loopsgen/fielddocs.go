package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"regexp"
	"strings"
	"text/tabwriter"
)

// The headings of the field list in a type's doc comment (the test in
// package loops looks for "Fields ("); the second for a type with a
// Nullable field.
const (
	fieldsHeading          = "Fields (optional: nil or empty when left out):"
	fieldsHeadingClearable = "Fields (optional: nil or empty when left out; clearable: a Nullable, which [Null] sets to null):"
)

// fieldDocs returns the field list that goes into the doc comment of a
// type that re-exports gen's struct name: one line per exported field with
// its Go type (as rename spells the type names), whether it is required,
// optional or clearable, and the first sentence of its description in the
// contract. go doc prints an alias's own comment, not the fields of the
// type it names, so without this list a reader would need a second go doc
// in package gen. It returns "" for a type that is not a struct with
// exported fields.
func (g *generator) fieldDocs(name string, rename func(string) string) string {
	s := g.gen.structs[name]
	if s == nil {
		return ""
	}
	var rows bytes.Buffer
	tw := tabwriter.NewWriter(&rows, 0, 0, 2, ' ', 0)
	n, heading := 0, fieldsHeading
	for _, f := range s.fields {
		if !ast.IsExported(f.name) {
			continue
		}
		n++
		if presence(f) == "clearable" {
			heading = fieldsHeadingClearable
		}
		fmt.Fprintf(tw, "\t%s\t%s\t%s\t%s\n", f.name, goTypeText(g.gen.typeString(f.typ), rename), presence(f), firstSentence(f.name, f.doc))
	}
	if n == 0 {
		return ""
	}
	tw.Flush()
	// tabwriter pads the last column too; doc comments keep no trailing
	// blanks.
	lines := strings.Split(strings.TrimRight(rows.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = "\t" + strings.TrimRight(strings.TrimLeft(l, " "), " ")
	}
	return heading + "\n\n" + strings.Join(lines, "\n")
}

// presence says whether a field must be there: required (no omitempty, so
// always sent and always in an answer), clearable (a Nullable: left out,
// null, or a value) or optional.
func presence(f *goField) string {
	k, _ := shape(f.typ)
	switch {
	case k == kindNullable && !f.omitempty:
		return "required, nullable"
	case k == kindNullable:
		return "clearable"
	case f.json == "-":
		return "optional" // the extra keys, written beside the fields
	case !f.omitempty && k == kindPointer:
		return "required, nullable"
	case !f.omitempty:
		return "required"
	}
	return "optional"
}

// identRE matches the identifiers of a Go type expression, qualified or
// not.
var identRE = regexp.MustCompile(`[A-Za-z_][\w]*(\.[A-Za-z_]\w*)?`)

// goTypeText spells a gen type expression the way the reader's package
// does: nullable.Nullable is loops' Nullable, and each gen type name goes
// through rename.
func goTypeText(expr string, rename func(string) string) string {
	return identRE.ReplaceAllStringFunc(expr, func(id string) string {
		switch {
		case id == "nullable.Nullable":
			return "Nullable"
		case strings.Contains(id, "."), !ast.IsExported(id):
			return id // time.Time, json.RawMessage, string, map, ...
		}
		return rename(id)
	})
}

// firstSentence returns the first sentence of a field's doc comment, on
// one line, without the leading field name (and "is") the comment
// starts with.
func firstSentence(name, doc string) string {
	doc = strings.TrimSpace(doc)
	doc, _, _ = strings.Cut(doc, "\n\n") // the description, not its example
	doc = strings.Join(strings.Fields(doc), " ")
	if rest, ok := strings.CutPrefix(doc, name+" is "); ok {
		doc = rest // "Raw is the JSON" reads "The JSON" in a list
	} else {
		doc = strings.TrimPrefix(doc, name+" ")
	}
	if i := strings.Index(doc, ". "); i >= 0 {
		doc = doc[:i+1]
	}
	if doc != "" {
		doc = strings.ToUpper(doc[:1]) + doc[1:]
	}
	return doc
}

// withFields puts a field list into a doc comment, after the description
// and before the example (a line of JSON that can be long).
func withFields(doc, fields string) string {
	if fields == "" {
		return doc
	}
	if i := strings.Index(doc, "\n\nExample:"); i >= 0 {
		return doc[:i] + "\n\n" + fields + doc[i:]
	}
	return doc + "\n\n" + fields
}

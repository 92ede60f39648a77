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

// validation writes gen/validate.gen.go: a Validate method on every request
// model, checking the rules the contract states for it. A struct field
// cannot hold a key the schema does not list, so additionalProperties:
// false holds by construction; the rules that remain are required values,
// string lengths, enums, numeric ranges and item counts, in nested objects
// and array items too.
func (g *generator) validation(b *bytes.Buffer) error {
	b.WriteString(`package gen

import (
	"cmp"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// FieldError reports a request field that breaks a rule of the contract.
// The Validate methods return it; package loops reports it as a
// *loops.ValidationError that also names the call.
type FieldError struct {
	// Field is the field's JSON path, such as "name",
	// "styles.backgroundColor" or "attachments[2].filename".
	Field string
	// Reason says which rule the value breaks.
	Reason string
}

// Error returns one line naming the field and the rule.
func (e *FieldError) Error() string { return "invalid " + e.Field + ": " + e.Reason }

func fieldError(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// within prefixes the field path of a nested model's error.
func within(prefix string, err error) error {
	if fe, ok := err.(*FieldError); ok {
		sep := "."
		if fe.Field == "" || strings.HasPrefix(fe.Field, "[") {
			sep = ""
		}
		return &FieldError{Field: prefix + sep + fe.Field, Reason: fe.Reason}
	}
	return err
}

// alternative is one object schema of an anyOf: the keys it takes (nil:
// any) and the check of a JSON value as that schema.
type alternative struct {
	keys     []string
	validate func(json.RawMessage) error
}

// anyOf checks a JSON object against the alternatives of an anyOf: it
// passes when one alternative takes every key it holds and accepts it.
// Otherwise the error is the first such alternative's, so {"unit": "w"}
// reads as a bad timer unit rather than "no alternative matched".
func anyOf(raw json.RawMessage, names string, alts []alternative) error {
	if len(raw) == 0 {
		return fieldError("", "is required")
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil || keys == nil {
		return fieldError("", "must be an object")
	}
	if len(keys) == 0 {
		return fieldError("", "needs at least one field")
	}
	var first error
	for _, alt := range alts {
		if !takes(alt.keys, keys) {
			continue
		}
		err := alt.validate(raw)
		if err == nil {
			return nil
		}
		first = cmp.Or(first, err)
	}
	if first != nil {
		return first
	}
	return fieldError("", "has fields that fit none of %s together", names)
}

// takes reports whether an alternative takes every key of an object.
func takes(known []string, keys map[string]json.RawMessage) bool {
	for k := range keys {
		if known != nil && !slices.Contains(known, k) {
			return false
		}
	}
	return true
}

// validateAs decodes a JSON value as T and validates it.
func validateAs[T any, PT interface {
	*T
	Validate() error
}](raw json.RawMessage) error {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	return PT(&v).Validate()
}

var _ = utf8.RuneCountInString

`)
	b2 := bytes.Buffer{}
	v := &validator{g: g, out: &b2, done: map[string]bool{}}
	for _, name := range g.c.sortedSchemaNames() {
		if !g.c.inRequests[name] {
			continue
		}
		if t, ok := g.goType(name); ok && g.gen.structs[t] != nil {
			v.queue = append(v.queue, job{t, g.c.doc.Components.Schemas[name].Value})
		}
	}
	for len(v.queue) > 0 {
		j := v.queue[0]
		v.queue = v.queue[1:]
		v.method(j)
	}
	// The imports above name strings through within; add it only once.
	out := bytes.Replace(b.Bytes(), []byte("\t\"fmt\"\n"), []byte("\t\"fmt\"\n\t\"slices\"\n\t\"strings\"\n"), 1)
	b.Reset()
	b.Write(out)
	b.Write(b2.Bytes())
	return nil
}

type job struct {
	goType string
	schema *openapi3.Schema
}

type validator struct {
	g     *generator
	out   *bytes.Buffer
	queue []job
	done  map[string]bool
}

// validates reports whether goType gets (or has) a Validate method.
func (v *validator) validates(goType string) bool {
	if v.done[goType] {
		return true
	}
	return slices.ContainsFunc(v.queue, func(j job) bool { return j.goType == goType })
}

// enqueue schedules a nested struct type for a Validate method.
func (v *validator) enqueue(goType string, s *openapi3.Schema) bool {
	if s == nil || v.g.gen.structs[goType] == nil {
		return false
	}
	if !v.validates(goType) {
		v.queue = append(v.queue, job{goType, s})
	}
	return true
}

func (v *validator) method(j job) {
	if v.done[j.goType] {
		return
	}
	v.done[j.goType] = true
	st := v.g.gen.structs[j.goType]
	var body bytes.Buffer
	switch {
	case st.field("") != nil && len(j.schema.OneOf) > 0:
		v.union(&body, j)
	case st.field("") != nil && len(j.schema.AnyOf) > 0:
		v.anyOf(&body, j)
	}
	v.requiredSets(&body, st, j.schema)
	if j.schema.MinProps > 0 {
		v.minProperties(&body, st, j.schema.MinProps)
	}
	for _, f := range st.fields {
		ref := j.schema.Properties[f.json]
		if ref == nil || ref.Value == nil {
			continue
		}
		required := slices.Contains(j.schema.Required, f.json)
		v.field(&body, f, ref, required)
	}
	comment(v.out, "Validate checks the %s against the rules of the contract and returns a\n*FieldError for the first field that breaks one, or nil.", j.goType)
	fmt.Fprintf(v.out, "func (r *%s) Validate() error {\n\tif r == nil {\n\t\treturn nil\n\t}\n%s\treturn nil\n}\n\n", j.goType, body.String())
}

// union writes the checks of a oneOf: the alternative a discriminator
// names is validated in turn; without a discriminator, the JSON's own kind
// must be one of the alternatives' types.
func (v *validator) union(b *bytes.Buffer, j job) {
	s := j.schema
	if d := s.Discriminator; d != nil {
		prop := strconv.Quote(d.PropertyName)
		var names []string
		for _, value := range sortedKeys(d.Mapping) {
			names = append(names, value)
		}
		fmt.Fprintf(b, "\tvalue, err := r.ValueByDiscriminator()\n\tif err != nil {\n\t\treturn fieldError(%s, \"must be one of %s\")\n\t}\n", prop, strings.Join(names, ", "))
		for _, value := range sortedKeys(d.Mapping) {
			name := strings.TrimPrefix(d.Mapping[value].Ref, "#/components/schemas/")
			if t, ok := v.g.goType(name); ok {
				v.enqueue(t, v.g.c.doc.Components.Schemas[name].Value)
				fmt.Fprintf(b, "\tif alt, ok := value.(%s); ok {\n\t\treturn alt.Validate()\n\t}\n", t)
			}
		}
		return
	}
	var kinds, first []string
	for i, alt := range s.OneOf {
		switch a := alt.Value; {
		case alt.Ref != "":
			name := strings.TrimPrefix(alt.Ref, "#/components/schemas/")
			t, _ := v.g.goType(name)
			v.enqueue(t, a)
			kinds = append(kinds, "an object")
			first = append(first, "'{'")
			fmt.Fprintf(b, "\tif len(r.union) > 0 && r.union[0] == '{' {\n\t\talt, err := r.As%s()\n\t\tif err != nil {\n\t\t\treturn fieldError(\"\", \"is not a valid %s\")\n\t\t}\n\t\treturn alt.Validate()\n\t}\n", t, t)
		case a.Type.Is(openapi3.TypeString):
			kinds = append(kinds, "a string")
			first = append(first, "'\"'")
		case a.Type.Is(openapi3.TypeNumber), a.Type.Is(openapi3.TypeInteger):
			kinds = append(kinds, "a number")
			first = append(first, "'-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'")
		case a.Type.Is(openapi3.TypeBoolean):
			kinds = append(kinds, "a boolean")
			first = append(first, "'t', 'f'")
		default:
			_ = i
			return // an alternative the generator cannot tell apart: no check
		}
	}
	fmt.Fprintf(b, "\tif len(r.union) == 0 {\n\t\treturn fieldError(\"\", \"is required\")\n\t}\n\tswitch r.union[0] {\n\tcase %s:\n\tdefault:\n\t\treturn fieldError(\"\", \"must be %s\")\n\t}\n",
		strings.Join(first, ", "), orList(kinds))
}

// anyOf writes the checks of an anyOf of objects: the JSON must fit at
// least one alternative. An alternative fits when it knows every key the
// JSON holds (when it forbids other keys) and its own checks pass; the
// error reported is the first fitting alternative's, so {"unit": "w"}
// reads as a bad timer unit rather than as "no alternative matched".
func (v *validator) anyOf(b *bytes.Buffer, j job) {
	var alts, names []string
	for _, alt := range j.schema.AnyOf {
		name := strings.TrimPrefix(alt.Ref, "#/components/schemas/")
		t, ok := v.g.goType(name)
		if alt.Ref == "" || !ok || !v.enqueue(t, alt.Value) {
			return // an alternative the generator cannot check: no check
		}
		known := "nil" // other keys allowed
		if ap := alt.Value.AdditionalProperties.Has; ap != nil && !*ap {
			var keys []string
			for _, f := range v.g.gen.structs[t].fields {
				if f.json != "" {
					keys = append(keys, strconv.Quote(f.json))
				}
			}
			known = "[]string{" + strings.Join(keys, ", ") + "}"
		}
		alts = append(alts, fmt.Sprintf("\t\t{%s, validateAs[%s]},\n", known, t))
		names = append(names, t)
	}
	fmt.Fprintf(b, "\tif err := anyOf(r.union, %q, []alternative{\n%s\t}); err != nil {\n\t\treturn err\n\t}\n", orList(names), strings.Join(alts, ""))
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// requiredSets writes the check of an anyOf or oneOf whose alternatives
// only list required fields, which codegen-overlay.yaml removes from the
// Go structs: "give at least one of name or description" (anyOf) or "give
// exactly one of toNodeId or beforeNodeId" (oneOf).
func (v *validator) requiredSets(b *bytes.Buffer, st *goStruct, s *openapi3.Schema) {
	for _, group := range []struct {
		alts  openapi3.SchemaRefs
		exact bool
	}{{s.AnyOf, false}, {s.OneOf, true}} {
		var conds, names []string
		for _, alt := range group.alts {
			a := alt.Value
			if alt.Ref != "" || a == nil || len(a.Required) == 0 || len(a.Properties) > 0 || st.field("") != nil {
				return // a real union, checked by union
			}
			var set []string
			for _, name := range a.Required {
				f := st.field(name)
				if f == nil {
					return
				}
				set = append(set, isSet(f))
			}
			conds = append(conds, strings.Join(set, " && "))
			names = append(names, strings.Join(a.Required, " and "))
		}
		if len(conds) == 0 {
			continue
		}
		field := strconv.Quote(strings.Join(names, "/"))
		b.WriteString("\t{\n\t\tmatched := 0\n")
		for _, c := range conds {
			fmt.Fprintf(b, "\t\tif %s {\n\t\t\tmatched++\n\t\t}\n", c)
		}
		if group.exact {
			fmt.Fprintf(b, "\t\tif matched != 1 {\n\t\t\treturn fieldError(%s, \"give exactly one of %s\")\n\t\t}\n", field, orList(names))
		} else {
			fmt.Fprintf(b, "\t\tif matched == 0 {\n\t\t\treturn fieldError(%s, \"give at least one of %s\")\n\t\t}\n", field, orList(names))
		}
		b.WriteString("\t}\n")
	}
}

// isSet is the Go condition that a field is present in the JSON.
func isSet(f *goField) string {
	switch k, _ := shape(f.typ); k {
	case kindPointer, kindSlice, kindMap:
		return "r." + f.name + " != nil"
	case kindNullable:
		return "r." + f.name + ".IsSpecified()"
	}
	return "true"
}

// minProperties writes the check that at least n fields are set.
func (v *validator) minProperties(b *bytes.Buffer, st *goStruct, n uint64) {
	b.WriteString("\tset := 0\n")
	for _, f := range st.fields {
		if f.json == "" {
			continue
		}
		switch k, _ := shape(f.typ); k {
		case kindPointer, kindSlice, kindMap:
			fmt.Fprintf(b, "\tif r.%s != nil {\n\t\tset++\n\t}\n", f.name)
		case kindNullable:
			fmt.Fprintf(b, "\tif r.%s.IsSpecified() {\n\t\tset++\n\t}\n", f.name)
		default:
			b.WriteString("\tset++\n")
		}
	}
	what := "at least one field"
	if n > 1 {
		what = fmt.Sprintf("at least %d fields", n)
	}
	fmt.Fprintf(b, "\tif set < %d {\n\t\treturn fieldError(\"\", \"needs %s to change\")\n\t}\n", n, what)
}

// field writes the checks of one struct field.
func (v *validator) field(b *bytes.Buffer, f *goField, ref *openapi3.SchemaRef, required bool) {
	s := ref.Value
	k, elem := shape(f.typ)
	name := strconv.Quote(f.json)
	access := "r." + f.name
	switch k {
	case kindValue:
		v.checks(b, access, elem, ref, name, required)
	case kindPointer:
		var inner bytes.Buffer
		v.checks(&inner, "(*"+access+")", elem, ref, name, false)
		if inner.Len() > 0 {
			fmt.Fprintf(b, "\tif %s != nil {\n%s\t}\n", access, inner.String())
		}
	case kindNullable:
		if required {
			fmt.Fprintf(b, "\tif !%s.IsSpecified() {\n\t\treturn fieldError(%s, \"is required: set a value, or null\")\n\t}\n", access, name)
		}
		var inner bytes.Buffer
		v.checks(&inner, "value", elem, ref, name, false)
		text := inner.String()
		if required { // it cannot be left out: null is the way to send nothing
			text = strings.ReplaceAll(text, "(leave it out instead)", "(set null instead)")
		}
		if inner.Len() > 0 {
			fmt.Fprintf(b, "\tif value, err := %s.Get(); err == nil {\n%s\t}\n", access, text)
		}
	case kindSlice:
		if s.MinItems > 0 {
			what := "at least one item"
			if s.MinItems > 1 {
				what = fmt.Sprintf("at least %d items", s.MinItems)
			}
			fmt.Fprintf(b, "\tif len(%s) < %d {\n\t\treturn fieldError(%s, \"needs %s\")\n\t}\n", access, s.MinItems, name, what)
		}
		if s.MaxItems != nil {
			fmt.Fprintf(b, "\tif len(%s) > %d {\n\t\treturn fieldError(%s, \"holds at most %d items (it has %%d)\", len(%s))\n\t}\n", access, *s.MaxItems, name, *s.MaxItems, access)
		}
		if s.Items != nil {
			var inner bytes.Buffer
			v.checks(&inner, access+"[i]", elem, s.Items, "fmt.Sprintf(\"%s[%d]\", "+name+", i)", false)
			if inner.Len() > 0 {
				fmt.Fprintf(b, "\tfor i := range %s {\n%s\t}\n", access, inner.String())
			}
		}
	}
}

// maxBytesExtension bounds a string's length in bytes, where maxLength
// counts characters: Loops measures LMX in bytes (100 KB, else 413).
const maxBytesExtension = "x-max-bytes"

// checks writes the checks of one value: x is its Go expression, typ its
// type, name a Go expression for its field path.
func (v *validator) checks(b *bytes.Buffer, x string, typ ast.Expr, ref *openapi3.SchemaRef, name string, required bool) {
	s := ref.Value
	typeName := identName(typ)
	switch {
	case v.g.gen.structs[typeName] != nil:
		if v.enqueue(typeName, s) {
			fmt.Fprintf(b, "\tif err := %s.Validate(); err != nil {\n\t\treturn within(%s, err)\n\t}\n", addressable(x), name)
		}
		return
	case required && !s.Nullable && len(s.OneOf) > 0 && s.Extensions["x-go-type"] == "any":
		// A value of several JSON kinds is a Go any: nil would be sent
		// as null, which the schema does not allow.
		fmt.Fprintf(b, "\tif %s == nil {\n\t\treturn fieldError(%s, \"is required (null is not allowed)\")\n\t}\n", x, name)
		return
	case s.Type.Is(openapi3.TypeString) && s.Format == "date-time":
		if required {
			fmt.Fprintf(b, "\tif %s.IsZero() {\n\t\treturn fieldError(%s, \"is required\")\n\t}\n", x, name)
		}
		return
	}
	switch {
	case s.Type.Is(openapi3.TypeString):
		n := "utf8.RuneCountInString(string(" + x + "))"
		if s.MinLength > 0 {
			reason := fmt.Sprintf("\"must be at least %d characters\"", s.MinLength)
			switch {
			case s.MinLength == 1 && required:
				reason = `"is required"`
			case s.MinLength == 1 && strings.HasPrefix(name, "fmt.Sprintf"): // an array item
				reason = `"must not be empty"`
			case s.MinLength == 1:
				reason = `"must not be empty (leave it out instead)"`
			}
			fmt.Fprintf(b, "\tif %s < %d {\n\t\treturn fieldError(%s, %s)\n\t}\n", n, s.MinLength, name, reason)
		}
		if s.MaxLength != nil {
			fmt.Fprintf(b, "\tif n := %s; n > %d {\n\t\treturn fieldError(%s, \"must be at most %d characters (it has %%d)\", n)\n\t}\n", n, *s.MaxLength, name, *s.MaxLength)
		}
		if limit, ok := s.Extensions[maxBytesExtension]; ok {
			fmt.Fprintf(b, "\tif n := len(%s); n > %v {\n\t\treturn fieldError(%s, \"is %%d bytes; at most %v are allowed\", n)\n\t}\n", x, limit, name, limit)
		}
		if vals := enumStrings(s); len(vals) > 0 {
			quoted := make([]string, len(vals))
			for i, e := range vals {
				quoted[i] = strconv.Quote(e)
			}
			fmt.Fprintf(b, "\tswitch %s {\n\tcase %s:\n\tdefault:\n\t\treturn fieldError(%s, \"must be one of %s (it is %%q)\", %s)\n\t}\n",
				x, strings.Join(quoted, ", "), name, strings.Join(vals, ", "), x)
		}
	case s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber):
		switch {
		case s.Min != nil && s.Max != nil:
			fmt.Fprintf(b, "\tif %s < %v || %s > %v {\n\t\treturn fieldError(%s, \"must be from %v to %v (it is %%v)\", %s)\n\t}\n", x, *s.Min, x, *s.Max, name, *s.Min, *s.Max, x)
		case s.Min != nil:
			fmt.Fprintf(b, "\tif %s < %v {\n\t\treturn fieldError(%s, \"must be at least %v (it is %%v)\", %s)\n\t}\n", x, *s.Min, name, *s.Min, x)
		case s.Max != nil:
			fmt.Fprintf(b, "\tif %s > %v {\n\t\treturn fieldError(%s, \"must be at most %v (it is %%v)\", %s)\n\t}\n", x, *s.Max, name, *s.Max, x)
		}
	}
}

// addressable turns a value expression into one Validate (a pointer
// method) can be called on.
func addressable(x string) string {
	if strings.HasPrefix(x, "(*") {
		return strings.TrimSuffix(strings.TrimPrefix(x, "(*"), ")")
	}
	return "(&" + x + ")"
}

func enumStrings(s *openapi3.Schema) []string {
	var out []string
	for _, e := range s.Enum {
		if str, ok := e.(string); ok {
			out = append(out, str)
		}
	}
	return out
}

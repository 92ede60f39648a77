package main

import (
	"github.com/getkin/kin-openapi/openapi3"
	"sort"
	"strings"
)

// describeSchema summarises a schema's type in a form that is the same for
// OpenAPI 3.0 (nullable: true) and 3.1 (type: [T, "null"]): "string|null",
// "integer", "string(byte)", "array<string>", "map<boolean>", "object",
// "oneOf(string|null, number, boolean)".
func describeSchema(ref *openapi3.SchemaRef) string {
	return describeSchemaDepth(ref, 0)
}

func describeSchemaDepth(ref *openapi3.SchemaRef, depth int) string {
	if ref == nil || ref.Value == nil {
		return "any"
	}
	if depth > maxSchemaDepth {
		return "…"
	}
	s := ref.Value
	nullable := s.Nullable
	var parts []string
	for _, t := range s.Type.Slice() {
		if t == openapi3.TypeNull {
			nullable = true
			continue
		}
		parts = append(parts, describeType(s, t, depth))
	}
	base := strings.Join(parts, "|")
	if base == "" {
		base = describeComposition(s, depth)
	}
	if nullable && !strings.HasSuffix(base, "|null") {
		base += "|null"
	}
	return base
}

// describeType describes a schema as one of its JSON types.
func describeType(s *openapi3.Schema, typ string, depth int) string {
	switch typ {
	case openapi3.TypeArray:
		return "array<" + describeSchemaDepth(s.Items, depth+1) + ">"
	case openapi3.TypeObject:
		if len(s.Properties) == 0 && s.AdditionalProperties.Schema != nil {
			return "map<" + describeSchemaDepth(s.AdditionalProperties.Schema, depth+1) + ">"
		}
		return "object"
	case openapi3.TypeString:
		if s.Format != "" {
			return "string(" + s.Format + ")"
		}
	}
	return typ
}

// describeComposition describes a schema without a type of its own.
func describeComposition(s *openapi3.Schema, depth int) string {
	describeAll := func(kind string, refs openapi3.SchemaRefs) string {
		parts := make([]string, len(refs))
		for i, r := range refs {
			parts[i] = describeSchemaDepth(r, depth+1)
		}
		return kind + "(" + strings.Join(parts, ", ") + ")"
	}
	switch {
	case len(s.AllOf) == 1:
		return describeSchemaDepth(s.AllOf[0], depth+1)
	case len(s.AllOf) > 1:
		return describeAll("allOf", s.AllOf)
	case len(s.OneOf) > 0:
		return describeAll("oneOf", s.OneOf)
	case len(s.AnyOf) > 0:
		return describeAll("anyOf", s.AnyOf)
	case len(s.Properties) > 0:
		return "object"
	}
	return "any"
}

// describeAdditional describes an additionalProperties setting.
func describeAdditional(ap openapi3.AdditionalProperties) string {
	switch {
	case ap.Schema != nil:
		return describeSchema(ap.Schema)
	case ap.Has != nil && !*ap.Has:
		return "not allowed"
	case ap.Has != nil:
		return "any"
	}
	return ""
}

// describeRequiredGroup describes a oneOf/anyOf whose branches only list
// required properties, such as "oneOf [email] | [userId]".
func describeRequiredGroup(kind string, group openapi3.SchemaRefs) string {
	if len(group) == 0 {
		return ""
	}
	branches := make([]string, 0, len(group))
	for _, ref := range group {
		if ref == nil || ref.Value == nil || len(ref.Value.Required) == 0 {
			return ""
		}
		branches = append(branches, "["+strings.Join(ref.Value.Required, " ")+"]")
	}
	return kind + " " + strings.Join(branches, " | ")
}

// unionKeys returns the keys of both maps, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

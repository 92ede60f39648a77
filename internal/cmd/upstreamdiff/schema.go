package main

import (
	"fmt"
	"github.com/getkin/kin-openapi/openapi3"
	"slices"
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

// bodyShape is a request body schema with its allOf parts merged.
type bodyShape struct {
	properties   map[string]*openapi3.SchemaRef
	required     map[string]bool
	additional   string   // additionalProperties, described; "" when unspecified
	alternatives []string // oneOf/anyOf groups of required properties
}

// requestSchema returns the schema of a request body: its application/json
// one, or else the one of its first media type in sorted order.
func requestSchema(body *openapi3.RequestBodyRef) *openapi3.SchemaRef {
	if body == nil || body.Value == nil || len(body.Value.Content) == 0 {
		return nil
	}
	if mt := body.Value.Content.Get("application/json"); mt != nil {
		return mt.Schema
	}
	mediaTypes := make([]string, 0, len(body.Value.Content))
	for name := range body.Value.Content {
		mediaTypes = append(mediaTypes, name)
	}
	sort.Strings(mediaTypes)
	return body.Value.Content[mediaTypes[0]].Schema
}

// flattenBody merges a body schema and its allOf parts into one shape.
func flattenBody(ref *openapi3.SchemaRef) bodyShape {
	shape := bodyShape{properties: map[string]*openapi3.SchemaRef{}, required: map[string]bool{}}
	shape.merge(ref, 0)
	return shape
}

func (b *bodyShape) merge(ref *openapi3.SchemaRef, depth int) {
	if ref == nil || ref.Value == nil || depth > maxSchemaDepth {
		return
	}
	s := ref.Value
	for name, prop := range s.Properties {
		if _, seen := b.properties[name]; !seen {
			b.properties[name] = prop
		}
	}
	for _, name := range s.Required {
		b.required[name] = true
	}
	if b.additional == "" {
		b.additional = describeAdditional(s.AdditionalProperties)
	}
	if alt := describeRequiredGroup("oneOf", s.OneOf); alt != "" {
		b.alternatives = append(b.alternatives, alt)
	}
	if alt := describeRequiredGroup("anyOf", s.AnyOf); alt != "" {
		b.alternatives = append(b.alternatives, alt)
	}
	for _, part := range s.AllOf {
		b.merge(part, depth+1)
	}
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

// diffRequestBodies compares two request bodies property by property.
func diffRequestBodies(ours, upstream *openapi3.RequestBodyRef) []string {
	oursSchema, upstreamSchema := requestSchema(ours), requestSchema(upstream)
	switch {
	case oursSchema == nil && upstreamSchema == nil:
		return nil
	case upstreamSchema == nil:
		return []string{"request body: only ours"}
	case oursSchema == nil:
		return []string{"request body: only upstream"}
	}
	our, up := flattenBody(oursSchema), flattenBody(upstreamSchema)

	var lines []string
	for _, name := range unionKeys(our.properties, up.properties) {
		lines = append(lines, diffBodyProperty(name, our, up)...)
	}
	if our.additional != up.additional {
		lines = append(lines, fmt.Sprintf("request body: additional properties: ours %s, upstream %s",
			orUnspecified(our.additional), orUnspecified(up.additional)))
	}
	ourAlt, upAlt := strings.Join(our.alternatives, "; "), strings.Join(up.alternatives, "; ")
	if ourAlt != upAlt {
		lines = append(lines, fmt.Sprintf("request body: required alternatives: ours %s, upstream %s", orNone(ourAlt), orNone(upAlt)))
	}
	return lines
}

// diffBodyProperty compares one property of two flattened bodies.
func diffBodyProperty(name string, ours, upstream bodyShape) []string {
	label := fmt.Sprintf("request body: property %q", name)
	our, up := ours.properties[name], upstream.properties[name]
	switch {
	case up == nil:
		return []string{fmt.Sprintf("%s: only ours (%s)", label, describeSchema(our))}
	case our == nil:
		return []string{fmt.Sprintf("%s: only upstream (%s)", label, describeSchema(up))}
	}
	var lines []string
	if a, b := describeSchema(our), describeSchema(up); a != b {
		lines = append(lines, fmt.Sprintf("%s: type: ours %s, upstream %s", label, a, b))
	}
	if a, b := ours.required[name], upstream.required[name]; a != b {
		lines = append(lines, fmt.Sprintf("%s: required: ours %s, upstream %s", label, yesNo(a), yesNo(b)))
	}
	return lines
}

func orUnspecified(s string) string {
	if s == "" {
		return "unspecified"
	}
	return s
}

// diffResponses reports the status codes declared on one side only.
func diffResponses(ours, upstream *openapi3.Responses) []string {
	oursCodes, upstreamCodes := responseCodes(ours), responseCodes(upstream)
	var onlyOurs, onlyUpstream []string
	for _, code := range oursCodes {
		if !slices.Contains(upstreamCodes, code) {
			onlyOurs = append(onlyOurs, code)
		}
	}
	for _, code := range upstreamCodes {
		if !slices.Contains(oursCodes, code) {
			onlyUpstream = append(onlyUpstream, code)
		}
	}
	var lines []string
	if len(onlyOurs) > 0 {
		lines = append(lines, "responses only ours: "+strings.Join(onlyOurs, ", "))
	}
	if len(onlyUpstream) > 0 {
		lines = append(lines, "responses only upstream: "+strings.Join(onlyUpstream, ", "))
	}
	return lines
}

// responseCodes lists the declared status codes (and "default"), sorted.
func responseCodes(responses *openapi3.Responses) []string {
	if responses == nil {
		return nil
	}
	codes := make([]string, 0, responses.Len())
	for code := range responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return codes
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

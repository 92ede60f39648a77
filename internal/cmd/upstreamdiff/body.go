package main

import (
	"fmt"
	"github.com/getkin/kin-openapi/openapi3"
	"sort"
	"strings"
)

// bodyShape is a request or response body schema with its allOf parts merged.
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

// responseSchema returns the schema of a response's application/json body,
// or nil when the response declares none.
func responseSchema(resp *openapi3.ResponseRef) *openapi3.SchemaRef {
	if resp == nil || resp.Value == nil {
		return nil
	}
	if mt := resp.Value.Content.Get("application/json"); mt != nil {
		return mt.Schema
	}
	return nil
}

// flattenBody merges a body schema and its allOf parts into one shape.
func flattenBody(ref *openapi3.SchemaRef) bodyShape {
	shape := bodyShape{properties: map[string]*openapi3.SchemaRef{}, required: map[string]bool{}}
	shape.merge(ref, 0)
	return shape
}

// merge adds a schema's properties, required names, additionalProperties
// and required alternatives to the shape, then those of its allOf parts.
// What the shape already has wins.
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

// hasMembers tells whether the shape describes an object: it has
// properties, an additionalProperties setting or required alternatives.
func (b bodyShape) hasMembers() bool {
	return len(b.properties) > 0 || b.additional != "" || len(b.alternatives) > 0
}

// arrayItems returns the item schema of an array schema (3.0 or 3.1, nullable
// or not) and true, or nil and false when the schema is not an array.
func arrayItems(ref *openapi3.SchemaRef) (*openapi3.SchemaRef, bool) {
	if ref == nil || ref.Value == nil || !ref.Value.Type.Includes(openapi3.TypeArray) {
		return nil, false
	}
	return ref.Value.Items, true
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
	return diffBodySchemas("request body: ", oursSchema, upstreamSchema)
}

// diffBodySchemas compares two body schemas. Every line starts with scope,
// such as "request body: " or "response 200: ". When both bodies are arrays,
// their item schemas are compared, under scope + "item ". When only one is,
// the bodies' types are reported and nothing else.
func diffBodySchemas(scope string, ours, upstream *openapi3.SchemaRef) []string {
	oursItems, oursArray := arrayItems(ours)
	upstreamItems, upstreamArray := arrayItems(upstream)
	switch {
	case oursArray != upstreamArray:
		return []string{fmt.Sprintf("%stype: ours %s, upstream %s", scope, describeSchema(ours), describeSchema(upstream))}
	case oursArray:
		return diffBodyShapes(scope+"item ", oursItems, upstreamItems)
	}
	return diffBodyShapes(scope, ours, upstream)
}

// diffBodyShapes compares two object schemas, with their allOf parts merged:
// their properties one by one, their additionalProperties and their required
// alternatives. Two schemas that are not objects (a string, an array of
// numbers) are compared by type.
func diffBodyShapes(scope string, ours, upstream *openapi3.SchemaRef) []string {
	our, up := flattenBody(ours), flattenBody(upstream)
	if !our.hasMembers() && !up.hasMembers() {
		if a, b := describeSchema(ours), describeSchema(upstream); a != b {
			return []string{fmt.Sprintf("%stype: ours %s, upstream %s", scope, a, b)}
		}
		return nil
	}

	var lines []string
	for _, name := range unionKeys(our.properties, up.properties) {
		lines = append(lines, diffBodyProperty(scope, name, our, up)...)
	}
	if our.additional != up.additional {
		lines = append(lines, fmt.Sprintf("%sadditional properties: ours %s, upstream %s",
			scope, orUnspecified(our.additional), orUnspecified(up.additional)))
	}
	ourAlt, upAlt := strings.Join(our.alternatives, "; "), strings.Join(up.alternatives, "; ")
	if ourAlt != upAlt {
		lines = append(lines, fmt.Sprintf("%srequired alternatives: ours %s, upstream %s", scope, orNone(ourAlt), orNone(upAlt)))
	}
	return lines
}

// diffBodyProperty compares one property of two flattened bodies.
func diffBodyProperty(scope, name string, ours, upstream bodyShape) []string {
	label := fmt.Sprintf("%sproperty %q", scope, name)
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

// orUnspecified prints an empty value as "unspecified".
func orUnspecified(s string) string {
	if s == "" {
		return "unspecified"
	}
	return s
}

package drift

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Schema is a JSON schema reduced to its facts, the same whether it was
// written for OpenAPI 3.0 (nullable: true) or 3.1 (type: [T, "null"]):
// allOf is merged, a null alternative becomes Nullable, and descriptions,
// examples and extensions are dropped.
type Schema struct {
	// Title is kept only to pair alternatives of a oneOf or anyOf; a
	// changed title is not a finding.
	Title string `json:"title,omitempty"`
	// Type is the JSON type, or several joined by "|" in sorted order.
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Nullable             bool               `json:"nullable,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Default              any                `json:"default,omitempty"`
	Pattern              string             `json:"pattern,omitempty"`
	MinLength            *uint64            `json:"minLength,omitempty"`
	MaxLength            *uint64            `json:"maxLength,omitempty"`
	Minimum              *float64           `json:"minimum,omitempty"`
	Maximum              *float64           `json:"maximum,omitempty"`
	MinItems             *uint64            `json:"minItems,omitempty"`
	MaxItems             *uint64            `json:"maxItems,omitempty"`
	MinProperties        *uint64            `json:"minProperties,omitempty"`
	MaxProperties        *uint64            `json:"maxProperties,omitempty"`
	Deprecated           bool               `json:"deprecated,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	// Closed is additionalProperties: false.
	Closed bool    `json:"closed,omitempty"`
	Items  *Schema `json:"items,omitempty"`
	// OneOf and AnyOf keep their alternatives, sorted by their JSON form.
	OneOf []*Schema `json:"oneOf,omitempty"`
	AnyOf []*Schema `json:"anyOf,omitempty"`
	// Discriminator names the property whose value selects an alternative.
	Discriminator *Discriminator `json:"discriminator,omitempty"`
	// Ref names a component schema of the same digest (Digest.Schemas),
	// which stands here in full. Names are not facts: comparisons look
	// through them.
	Ref string `json:"ref,omitempty"`
}

// Discriminator is a oneOf's discriminator: the property, and the mapping
// from its values to component schemas (by name).
type Discriminator struct {
	Property string            `json:"property"`
	Mapping  map[string]string `json:"mapping,omitempty"`
}

// normalizer reduces schemas, collecting the component schemas they
// reference into one map.
type normalizer struct {
	components map[string]*Schema
}

// normalize reduces ref. A reference to a component schema stays a
// reference (so that each component is written once), except where its
// facts must be merged: in allOf, and in a oneOf that only adds null.
func (n *normalizer) normalize(ref *openapi3.SchemaRef) *Schema {
	if ref == nil || ref.Value == nil {
		return nil
	}
	if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
		if _, seen := n.components[name]; !seen {
			n.components[name] = nil // reserve the name: a cycle stops here
			n.components[name] = n.inline(ref.Value)
		}
		return &Schema{Ref: name}
	}
	return n.inline(ref.Value)
}

// resolve returns the facts behind s, following a Ref.
func (n *normalizer) resolve(s *Schema) *Schema {
	for i := 0; s != nil && s.Ref != "" && i < 64; i++ {
		s = n.components[s.Ref]
	}
	return s
}

func (n *normalizer) inline(v *openapi3.Schema) *Schema {
	s := &Schema{
		Title:         v.Title,
		MaxProperties: v.MaxProps,
		Format:        v.Format,
		Nullable:      v.Nullable,
		Default:       v.Default,
		Pattern:       v.Pattern,
		MaxLength:     v.MaxLength,
		Minimum:       v.Min,
		Maximum:       v.Max,
		MaxItems:      v.MaxItems,
		Deprecated:    v.Deprecated,
		Required:      slices.Clone(v.Required),
	}
	if v.MinLength > 0 {
		s.MinLength = &v.MinLength
	}
	if v.MinItems > 0 {
		s.MinItems = &v.MinItems
	}
	if v.MinProps > 0 {
		s.MinProperties = &v.MinProps
	}
	if d := v.Discriminator; d != nil {
		s.Discriminator = &Discriminator{Property: d.PropertyName}
		for value, target := range d.Mapping {
			if s.Discriminator.Mapping == nil {
				s.Discriminator.Mapping = map[string]string{}
			}
			s.Discriminator.Mapping[value] = strings.TrimPrefix(target.Ref, "#/components/schemas/")
		}
	}
	var types []string
	for _, t := range v.Type.Slice() {
		if t == openapi3.TypeNull {
			s.Nullable = true
			continue
		}
		types = append(types, t)
	}
	slices.Sort(types)
	s.Type = strings.Join(types, "|")
	for _, e := range v.Enum {
		if e == nil {
			s.Nullable = true
			continue
		}
		s.Enum = append(s.Enum, e)
	}
	if v.Const != nil {
		s.Enum = append(s.Enum, v.Const)
	}
	sortAny(s.Enum)
	for name, p := range v.Properties {
		if s.Properties == nil {
			s.Properties = map[string]*Schema{}
		}
		s.Properties[name] = n.normalize(p)
	}
	if ap := v.AdditionalProperties; ap.Has != nil && !*ap.Has {
		s.Closed = true
	} else if ap.Schema != nil {
		s.AdditionalProperties = n.normalize(ap.Schema)
	} else if ap.Has != nil && *ap.Has {
		s.AdditionalProperties = &Schema{}
	}
	s.Items = n.normalize(v.Items)
	s.OneOf = n.alternatives(v.OneOf, s)
	s.AnyOf = n.alternatives(v.AnyOf, s)
	for _, part := range v.AllOf {
		merge(s, n.resolve(n.normalize(part)))
	}
	slices.Sort(s.Required)
	s.Required = slices.Compact(s.Required)
	return s
}

// alternatives normalizes a oneOf or anyOf. A {type: "null"} alternative
// makes the schema nullable, and a single remaining alternative is folded
// into the schema itself, so that "oneOf: [$ref X, null]" reads as a
// nullable X.
func (n *normalizer) alternatives(refs openapi3.SchemaRefs, into *Schema) []*Schema {
	var out []*Schema
	sawNull := false
	for _, ref := range refs {
		alt := n.normalize(ref)
		if alt == nil {
			continue
		}
		if alt.Type == "" && alt.Nullable && alt.Properties == nil && alt.Items == nil && alt.OneOf == nil && alt.AnyOf == nil {
			sawNull = true
			continue
		}
		out = append(out, alt)
	}
	if sawNull {
		into.Nullable = true
		if len(out) == 1 {
			if out[0].Ref != "" && into.Type == "" && into.Properties == nil {
				into.Ref = out[0].Ref // a nullable reference
			} else {
				merge(into, n.resolve(out[0]))
			}
			into.Nullable = true
			return nil
		}
	}
	return sortedVariants(out)
}

func sortedVariants(vs []*Schema) []*Schema {
	sortByJSON(vs)
	return vs
}

// merge folds one allOf part into s: properties and required sets unite,
// and facts s lacks are taken from the part.
func merge(s, part *Schema) {
	if part == nil {
		return
	}
	if s.Type == "" {
		s.Type = part.Type
	}
	if s.Format == "" {
		s.Format = part.Format
	}
	s.Nullable = s.Nullable || part.Nullable
	s.Closed = s.Closed || part.Closed
	if s.Enum == nil {
		s.Enum = part.Enum
	}
	if s.Items == nil {
		s.Items = part.Items
	}
	if s.AdditionalProperties == nil {
		s.AdditionalProperties = part.AdditionalProperties
	}
	if s.Discriminator == nil {
		s.Discriminator = part.Discriminator
	}
	for _, lim := range []struct{ dst, src **uint64 }{{&s.MinLength, &part.MinLength}, {&s.MaxLength, &part.MaxLength}, {&s.MinItems, &part.MinItems}, {&s.MaxItems, &part.MaxItems}, {&s.MinProperties, &part.MinProperties}, {&s.MaxProperties, &part.MaxProperties}} {
		if *lim.dst == nil {
			*lim.dst = *lim.src
		}
	}
	if s.Minimum == nil {
		s.Minimum = part.Minimum
	}
	if s.Maximum == nil {
		s.Maximum = part.Maximum
	}
	for name, p := range part.Properties {
		if s.Properties == nil {
			s.Properties = map[string]*Schema{}
		}
		if mine, ok := s.Properties[name]; ok && mine != nil && mine.Ref == "" && p != nil && p.Ref == "" {
			merged := *mine
			merge(&merged, p) // a base's property refined by a later part
			s.Properties[name] = &merged
		} else if !ok {
			s.Properties[name] = p
		}
	}
	s.Required = append(s.Required, part.Required...)
	s.OneOf = sortedVariants(append(s.OneOf, part.OneOf...))
	s.AnyOf = sortedVariants(append(s.AnyOf, part.AnyOf...))
	slices.Sort(s.Required)
	s.Required = slices.Compact(s.Required)
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonKeys returns the JSON form of each value.
func jsonKeys(vs []any) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = jsonOf(v)
	}
	return out
}

func set(keys []string) map[string]bool {
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out
}

// sortAny orders enum values by their JSON form: their order carries no
// meaning, and a stable one keeps the digest's diff quiet.
func sortAny(vs []any) { sortByJSON(vs) }

// sortByJSON orders vs by their JSON form, encoding each value once rather
// than twice per comparison.
func sortByJSON[T any](vs []T) {
	if len(vs) < 2 {
		return
	}
	type keyed struct {
		key string
		v   T
	}
	ks := make([]keyed, len(vs))
	for i, v := range vs {
		ks[i] = keyed{jsonOf(v), v}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	for i := range ks {
		vs[i] = ks[i].v
	}
}

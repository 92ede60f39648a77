package drift

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// describe sums up a schema's facts in one line for a report, such as
// "string, format uri" or "object, properties id, name (required id)".
func describe(schemas map[string]*Schema, s *Schema) string {
	return describeDepth(schemas, s, 2)
}

func describeDepth(schemas map[string]*Schema, s *Schema, depth int) string {
	s = resolveIn(schemas, s)
	if s == nil {
		return "no schema"
	}
	parts := []string{orAny(s.Type)}
	add := func(cond bool, format string, args ...any) {
		if cond {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(s.Nullable, "nullable")
	add(s.Format != "", "format %s", s.Format)
	add(len(s.Enum) > 0, "enum %s", jsonOf(s.Enum))
	for _, l := range []struct {
		name string
		v    string
	}{
		{"minLength", uintOf(s.MinLength)}, {"maxLength", uintOf(s.MaxLength)},
		{"minimum", floatOf(s.Minimum)}, {"maximum", floatOf(s.Maximum)},
		{"minItems", uintOf(s.MinItems)}, {"maxItems", uintOf(s.MaxItems)},
		{"minProperties", uintOf(s.MinProperties)}, {"maxProperties", uintOf(s.MaxProperties)},
	} {
		add(l.v != "", "%s %s", l.name, l.v)
	}
	add(s.Pattern != "", "pattern %s", s.Pattern)
	add(s.Deprecated, "deprecated")
	if len(s.Properties) > 0 {
		parts = append(parts, "properties "+strings.Join(slices.Sorted(maps.Keys(s.Properties)), ", "))
	}
	add(len(s.Required) > 0, "required %s", strings.Join(s.Required, ", "))
	add(s.Closed, "no other properties")
	if depth > 0 && s.Items != nil {
		parts = append(parts, "items ("+describeDepth(schemas, s.Items, depth-1)+")")
	}
	add(len(s.OneOf) > 0, "oneOf %d alternatives", len(s.OneOf))
	add(len(s.AnyOf) > 0, "anyOf %d alternatives", len(s.AnyOf))
	return strings.Join(parts, ", ")
}

// describeOperation sums up an operation for a report: its parameters,
// body and statuses.
func describeOperation(schemas map[string]*Schema, o *Operation) string {
	var params []string
	for _, name := range slices.Sorted(maps.Keys(o.Parameters)) {
		p := o.Parameters[name]
		params = append(params, name+" "+describeDepth(schemas, p.Schema, 0)+requiredText(p.Required))
	}
	var b strings.Builder
	if len(params) > 0 {
		fmt.Fprintf(&b, "; parameters: %s", strings.Join(params, "; "))
	}
	if o.RequestBody != nil {
		req := "optional"
		if o.RequestBody.Required {
			req = "required"
		}
		fmt.Fprintf(&b, "; body (%s): %s", req, describe(schemas, o.RequestBody.Schema))
	}
	fmt.Fprintf(&b, "; statuses %s", strings.Join(slices.Sorted(maps.Keys(o.Responses)), ", "))
	if o.Deprecated {
		b.WriteString("; deprecated")
	}
	return b.String()
}

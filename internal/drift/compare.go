package drift

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Finding is one fact on which two digests differ.
type Finding struct {
	// Where locates the fact: an operation's upstream operationId (or
	// "METHOD /path" when it has none), then the part and the field path,
	// dot-separated, such as "createContact.request.firstName",
	// "listThemes.param.query.perPage", "getTheme.response.200.styles" or
	// "webhook.contactCreated.contact". "[]" follows an array (its items)
	// and "{}" a map (its values), as in "listCampaigns.response.200.data[]";
	// "<label>" enters a oneOf or anyOf alternative, as in
	// "getWorkflow.response.200.nodes{}<typeName=TimerAction>.unit", and
	// "response.200.header.x-name" is a response header.
	Where string `json:"where"`
	// Kind classifies the difference; see the Kind constants.
	Kind Kind `json:"kind"`
	// Detail says what differs, reading "ours → theirs".
	Detail string `json:"detail"`
	// Within lists the locations of the oneOf or anyOf alternatives that
	// enclose Where, outermost first: a reviewed difference of kind
	// "variants" at one of them explains this finding too.
	Within []string `json:"within,omitempty"`

	// What the first document holds at Where, for Propose: an added
	// property's *Schema (and whether it is required), an added enum
	// value, or a limit's value as text ("" for none).
	now      any
	required bool
}

// Kind is the class of a Finding.
type Kind string

// The kinds of difference. Where a value is in only one document, "added"
// means only the first (ours, or the newer upstream) has it and "missing"
// means only the second does.
const (
	OperationAdded   Kind = "operation-added"   // an operation only the first has
	OperationMissing Kind = "operation-missing" // an operation only the second has
	OperationID      Kind = "operation-id"
	ParameterAdded   Kind = "parameter-added"
	ParameterMissing Kind = "parameter-missing"
	BodyAdded        Kind = "body-added"
	BodyMissing      Kind = "body-missing"
	StatusAdded      Kind = "status-added"
	StatusMissing    Kind = "status-missing"
	Media            Kind = "media"
	Type             Kind = "type"
	Format           Kind = "format"
	Nullable         Kind = "nullable"
	Required         Kind = "required"
	EnumAdded        Kind = "enum-added"
	EnumMissing      Kind = "enum-missing"
	Enum             Kind = "enum" // an enum on one side only
	MinLength        Kind = "minLength"
	MaxLength        Kind = "maxLength"
	MinItems         Kind = "minItems"
	MaxItems         Kind = "maxItems"
	MinProperties    Kind = "minProperties"
	MaxProperties    Kind = "maxProperties"
	Minimum          Kind = "minimum"
	Maximum          Kind = "maximum"
	Pattern          Kind = "pattern"
	Default          Kind = "default"
	Deprecated       Kind = "deprecated"
	PropertyAdded    Kind = "property-added"
	PropertyMissing  Kind = "property-missing"
	Extra            Kind = "additional-properties"
	Variants         Kind = "variants" // an alternative on one side only
	Discriminated    Kind = "discriminator"
	Security         Kind = "security"
	HeaderAdded      Kind = "header-added"
	HeaderMissing    Kind = "header-missing"
	WebhookAdded     Kind = "webhook-added"
	WebhookMissing   Kind = "webhook-missing"
	ErrorField       Kind = "error-field-missing"
)

// Mode chooses how strictly error bodies are compared.
type Mode int

const (
	// Contract compares the contract with upstream's digest. The contract
	// describes every error envelope with one schema, so error bodies are
	// not compared field by field; instead every field an upstream error
	// body can carry must be a field of the contract's error schema.
	Contract Mode = iota
	// Upstream compares two versions of upstream's own digest: every fact
	// counts, error bodies included.
	Upstream
)

// String prints a finding as one line a person can act on: "+" marks a
// fact only the first document has, "-" one only the second has, and "~"
// a fact both have with other values.
func (f Finding) String() string {
	switch f.Kind {
	case OperationAdded, OperationMissing, WebhookAdded, WebhookMissing:
		return f.Detail
	case ParameterAdded, BodyAdded, StatusAdded, PropertyAdded, HeaderAdded:
		return "+ " + f.Where + ": " + f.Detail
	case ParameterMissing, BodyMissing, StatusMissing, PropertyMissing, HeaderMissing:
		return "- " + f.Where + ": " + f.Detail
	case Variants:
		if sign, rest, ok := strings.Cut(f.Detail, " "); ok && (sign == "+" || sign == "-") {
			return sign + " " + f.Where + ": " + rest
		}
	}
	return "~ " + f.Where + ": " + f.Detail
}

// Compare lists the facts on which a (ours, or the newer document) and b
// (theirs, or the committed digest) differ, sorted.
func Compare(a, b *Digest, mode Mode) []Finding {
	c := &comparer{mode: mode, schemasA: a.Schemas, schemasB: b.Schemas, visiting: map[[2]string]bool{}, costs: map[[2]*Schema]int{}}
	for _, key := range sortedKeys(a.Operations, b.Operations) {
		oa, ob := a.Operations[key], b.Operations[key]
		switch {
		case ob == nil:
			c.add(opName(key, oa), OperationAdded, "+ "+key+" "+opName(key, oa)+" ("+c.first()+" only)"+describeOperation(a.Schemas, oa))
		case oa == nil:
			c.add(opName(key, ob), OperationMissing, "- "+key+" "+opName(key, ob)+" ("+c.second()+" only)"+describeOperation(b.Schemas, ob))
		default:
			c.operation(opName(key, ob), oa, ob)
		}
	}
	for _, event := range sortedKeys(a.Webhooks, b.Webhooks) {
		wa, wb := a.Webhooks[event], b.Webhooks[event]
		where := "webhook." + camel(event)
		switch {
		case wb == nil:
			c.add(where, WebhookAdded, "+ webhook "+event+" ("+c.first()+" only): "+describe(a.Schemas, wa))
		case wa == nil:
			c.add(where, WebhookMissing, "- webhook "+event+" ("+c.second()+" only): "+describe(b.Schemas, wb))
		default:
			c.schema(where, wa, wb)
		}
	}
	if mode == Contract {
		c.errorFields(a, b)
	}
	slices.SortFunc(c.out, func(x, y Finding) int {
		return strings.Compare(x.Where+"\x00"+string(x.Kind)+x.Detail, y.Where+"\x00"+string(y.Kind)+y.Detail)
	})
	return c.out
}

type comparer struct {
	mode               Mode
	out                []Finding
	schemasA, schemasB map[string]*Schema
	visiting           map[[2]string]bool // pairs of refs being compared, against cycles
	within             []string           // the alternatives being compared, outermost first
	costs              map[[2]*Schema]int // differences between two alternatives, for pairing
}

func (c *comparer) first() string {
	if c.mode == Contract {
		return "ours"
	}
	return "new upstream"
}

func (c *comparer) second() string {
	if c.mode == Contract {
		return "upstream"
	}
	return "digest"
}

func (c *comparer) add(where string, kind Kind, detail string) *Finding {
	c.out = append(c.out, Finding{Where: where, Kind: kind, Detail: detail, Within: slices.Clone(c.within)})
	return &c.out[len(c.out)-1]
}

// opName prefers the operationId, which reads better and survives a path
// being renamed on one side only.
func opName(key string, o *Operation) string {
	if o != nil && o.OperationID != "" {
		return o.OperationID
	}
	return key
}

func (c *comparer) operation(where string, a, b *Operation) {
	if a.OperationID != b.OperationID {
		c.add(where, OperationID, fmt.Sprintf("operationId %q → %q", a.OperationID, b.OperationID))
	}
	if a.Deprecated != b.Deprecated {
		c.add(where, Deprecated, fmt.Sprintf("operation deprecated %v → %v", a.Deprecated, b.Deprecated))
	}
	if !slices.Equal(a.Security, b.Security) {
		c.add(where, Security, fmt.Sprintf("security %s → %s", securityText(a.Security), securityText(b.Security)))
	}
	c.parameters(where+".param.", a.Parameters, b.Parameters, ParameterAdded, ParameterMissing)
	c.body(where+".request", a.RequestBody, b.RequestBody)
	for _, status := range sortedKeys(a.Responses, b.Responses) {
		ra, rb := a.Responses[status], b.Responses[status]
		w := where + ".response." + status
		switch {
		case rb == nil:
			if !covered(status, b.Responses) {
				c.add(w, StatusAdded, "status "+status+" declared only by "+c.first())
			}
		case ra == nil:
			if !covered(status, a.Responses) {
				c.add(w, StatusMissing, "status "+status+" declared only by "+c.second())
			}
		case c.mode == Contract && !isSuccess(status):
			// Error bodies are checked as a whole by errorFields.
		default:
			c.body(w, ra, rb)
			c.parameters(w+".header.", ra.Headers, rb.Headers, HeaderAdded, HeaderMissing)
		}
	}
}

// parameters compares an operation's parameters, or a response's
// headers, by name.
func (c *comparer) parameters(prefix string, a, b map[string]*Parameter, added, missing Kind) {
	for _, name := range sortedKeys(a, b) {
		pa, pb := a[name], b[name]
		w := prefix + name
		switch {
		case pb == nil:
			c.add(w, added, describe(c.schemasA, pa.Schema)+requiredText(pa.Required))
		case pa == nil:
			c.add(w, missing, describe(c.schemasB, pb.Schema)+requiredText(pb.Required))
		default:
			if pa.Required != pb.Required {
				c.add(w, Required, fmt.Sprintf("required %v → %v", pa.Required, pb.Required))
			}
			c.schema(w, pa.Schema, pb.Schema)
		}
	}
}

func securityText(reqs []string) string {
	if len(reqs) == 0 {
		return "unstated"
	}
	return strings.Join(reqs, " | ")
}

// covered reports whether a status range such as "5XX" in responses
// already covers status.
func covered(status string, responses map[string]*Body) bool {
	if len(status) != 3 || strings.HasSuffix(status, "XX") {
		return false
	}
	_, ok := responses[status[:1]+"XX"]
	return ok
}

func isSuccess(status string) bool { return strings.HasPrefix(status, "2") }

func (c *comparer) body(where string, a, b *Body) {
	switch {
	case a == nil && b == nil:
		return
	case b == nil:
		c.add(where, BodyAdded, "body only in "+c.first())
		return
	case a == nil:
		c.add(where, BodyMissing, "body only in "+c.second())
		return
	}
	if strings.HasSuffix(where, ".request") && a.Required != b.Required {
		c.add(where, Required, fmt.Sprintf("body required %v → %v", a.Required, b.Required))
	}
	if c.mode == Upstream && !slices.Equal(a.Media, b.Media) {
		c.add(where, Media, fmt.Sprintf("media types %v → %v", a.Media, b.Media))
	}
	c.schema(where, a.Schema, b.Schema)
}

func (c *comparer) schema(where string, a, b *Schema) {
	switch {
	case a == nil && b == nil:
		return
	case b == nil:
		c.add(where, BodyAdded, "schema "+describe(c.schemasA, a))
		return
	case a == nil:
		c.add(where, BodyMissing, "schema "+describe(c.schemasB, b))
		return
	}
	if a.Ref != "" || b.Ref != "" {
		pair := [2]string{a.Ref, b.Ref}
		if c.visiting[pair] {
			return // a cycle: compared where it began
		}
		c.visiting[pair] = true
		defer delete(c.visiting, pair)
		ra, rb := resolveIn(c.schemasA, a), resolveIn(c.schemasB, b)
		if ra == nil || rb == nil {
			if a.Ref != b.Ref {
				c.add(where, Type, fmt.Sprintf("schema %s → %s (unresolved)", orAny(a.Ref), orAny(b.Ref)))
			}
			return
		}
		c.schema(where, ra, rb)
		return
	}
	if a.Type != b.Type {
		c.add(where, Type, fmt.Sprintf("type %s → %s", orAny(a.Type), orAny(b.Type)))
	}
	if a.Format != b.Format {
		c.add(where, Format, fmt.Sprintf("format %q → %q", a.Format, b.Format))
	}
	if a.Nullable != b.Nullable {
		c.add(where, Nullable, fmt.Sprintf("nullable %v → %v", a.Nullable, b.Nullable))
	}
	if a.Deprecated != b.Deprecated {
		c.add(where, Deprecated, fmt.Sprintf("deprecated %v → %v", a.Deprecated, b.Deprecated))
	}
	if a.Default != nil || b.Default != nil { // most schemas have none: spare the encoding
		if da, db := jsonOf(a.Default), jsonOf(b.Default); da != db {
			c.add(where, Default, fmt.Sprintf("default %s → %s", da, db))
		}
	}
	c.enum(where, a.Enum, b.Enum)
	c.limits(where, a, b)
	for _, name := range sortedKeys(a.Properties, b.Properties) {
		pa, pb := a.Properties[name], b.Properties[name]
		w := where + "." + name
		ra, rb := slices.Contains(a.Required, name), slices.Contains(b.Required, name)
		switch {
		case pb == nil:
			f := c.add(w, PropertyAdded, describe(c.schemasA, pa)+requiredText(ra))
			f.now, f.required = pa, ra
		case pa == nil:
			c.add(w, PropertyMissing, describe(c.schemasB, pb)+requiredText(rb))
		default:
			c.schema(w, pa, pb)
		}
		if pa != nil && pb != nil && ra != rb {
			c.add(w, Required, fmt.Sprintf("required %v → %v", ra, rb))
		}
	}
	if a.Closed != b.Closed || (a.AdditionalProperties == nil) != (b.AdditionalProperties == nil) {
		c.add(where, Extra, fmt.Sprintf("additional properties %s → %s", extraOf(a), extraOf(b)))
	} else {
		c.schema(where+"{}", a.AdditionalProperties, b.AdditionalProperties)
	}
	c.schema(where+"[]", a.Items, b.Items)
	c.discriminator(where, a.Discriminator, b.Discriminator)
	c.variants(where, "oneOf", a.OneOf, b.OneOf, a.Discriminator, b.Discriminator)
	c.variants(where, "anyOf", a.AnyOf, b.AnyOf, a.Discriminator, b.Discriminator)
}

func requiredText(required bool) string {
	if required {
		return ", required"
	}
	return ", optional"
}

// discriminator compares the property that selects an alternative and
// the values it maps; the schemas a value maps to are compared by name
// between two upstream versions only (the contract names its own).
func (c *comparer) discriminator(where string, a, b *Discriminator) {
	if a == nil && b == nil {
		return
	}
	if a == nil || b == nil || a.Property != b.Property {
		c.add(where, Discriminated, fmt.Sprintf("discriminator %s → %s", discriminatorText(a), discriminatorText(b)))
		return
	}
	if a.Mapping == nil || b.Mapping == nil {
		return // without a mapping, values are the component names, which are not facts
	}
	for _, value := range sortedKeys(a.Mapping, b.Mapping) {
		ta, tb := a.Mapping[value], b.Mapping[value]
		switch {
		case tb == "":
			c.add(where, Discriminated, fmt.Sprintf("discriminator value %q only in %s", value, c.first()))
		case ta == "":
			c.add(where, Discriminated, fmt.Sprintf("discriminator value %q only in %s", value, c.second()))
		case ta != tb && c.mode == Upstream:
			c.add(where, Discriminated, fmt.Sprintf("discriminator value %q maps to %s → %s", value, ta, tb))
		}
	}
}

func discriminatorText(d *Discriminator) string {
	if d == nil {
		return "none"
	}
	return d.Property
}

func (c *comparer) enum(where string, a, b []any) {
	if len(a) == 0 && len(b) == 0 {
		return
	}
	// Values are equal when their JSON is: each is encoded once, not once
	// per value of the other side.
	ka, kb := jsonKeys(a), jsonKeys(b)
	inA, inB := set(ka), set(kb)
	for i, v := range a {
		if !inB[ka[i]] && len(b) > 0 {
			c.add(where, EnumAdded, "enum value "+ka[i]+" only in "+c.first()).now = v
		}
	}
	for _, k := range kb {
		if !inA[k] && len(a) > 0 {
			c.add(where, EnumMissing, "enum value "+k+" only in "+c.second())
		}
	}
	if (len(a) == 0) != (len(b) == 0) {
		c.add(where, Enum, fmt.Sprintf("enum %s → %s", enumText(a), enumText(b)))
	}
}

func (c *comparer) limits(where string, a, b *Schema) {
	check := func(kind Kind, x, y string) {
		if x != y {
			c.add(where, kind, fmt.Sprintf("%s %s → %s", kind, orNone(x), orNone(y))).now = x
		}
	}
	check(MinLength, uintOf(a.MinLength), uintOf(b.MinLength))
	check(MaxLength, uintOf(a.MaxLength), uintOf(b.MaxLength))
	check(MinItems, uintOf(a.MinItems), uintOf(b.MinItems))
	check(MaxItems, uintOf(a.MaxItems), uintOf(b.MaxItems))
	check(MinProperties, uintOf(a.MinProperties), uintOf(b.MinProperties))
	check(MaxProperties, uintOf(a.MaxProperties), uintOf(b.MaxProperties))
	check(Minimum, floatOf(a.Minimum), floatOf(b.Minimum))
	check(Maximum, floatOf(a.Maximum), floatOf(b.Maximum))
	check(Pattern, a.Pattern, b.Pattern)
}

func enumText(vs []any) string {
	if len(vs) == 0 {
		return "none"
	}
	return jsonOf(vs)
}

// errorFields checks that the contract's error bodies can hold every field
// that any upstream error body carries, so that nothing Loops says in an
// error is lost.
func (c *comparer) errorFields(ours, upstream *Digest) {
	have := map[string]bool{}
	for _, o := range ours.Operations {
		for status, b := range o.Responses {
			if !isSuccess(status) && b.Schema != nil {
				fieldNames(ours.Schemas, b.Schema, "", have)
			}
		}
	}
	want := map[string][]string{} // field → where upstream uses it
	for key, o := range upstream.Operations {
		for status, b := range o.Responses {
			if isSuccess(status) || b.Schema == nil {
				continue
			}
			names := map[string]bool{}
			fieldNames(upstream.Schemas, b.Schema, "", names)
			for name := range names {
				want[name] = append(want[name], opName(key, o)+"."+status)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if !have[name] {
			uses := want[name]
			slices.Sort(uses)
			c.add("errors."+name, ErrorField, fmt.Sprintf("error field %s, used by upstream's %s, is not in our error schema", name, uses[0]))
		}
	}
}

// fieldNames collects the dotted names of s's properties, nested ones
// included, looking through references and alternatives.
func fieldNames(schemas map[string]*Schema, s *Schema, prefix string, into map[string]bool) {
	s = resolveIn(schemas, s)
	if s == nil || len(prefix) > 200 {
		return
	}
	for _, alt := range slices.Concat(s.OneOf, s.AnyOf) {
		fieldNames(schemas, alt, prefix, into)
	}
	for name, p := range s.Properties {
		into[prefix+name] = true
		fieldNames(schemas, p, prefix+name+".", into)
	}
	if s.Items != nil {
		fieldNames(schemas, s.Items, prefix+"[].", into)
	}
}

// camel turns an event name such as "contact.mailingList.subscribed" into
// one segment, "contactMailingListSubscribed" (upstream's webhook key).
func camel(event string) string {
	parts := strings.Split(event, ".")
	for i := 1; i < len(parts); i++ {
		if p := parts[i]; p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// resolveIn follows s's Ref through schemas. A nullable reference (as
// "oneOf: [$ref, null]" normalizes) keeps its nullability.
func resolveIn(schemas map[string]*Schema, s *Schema) *Schema {
	nullable := s.Nullable
	for i := 0; s != nil && s.Ref != "" && i < 64; i++ {
		s = schemas[s.Ref]
	}
	if s != nil && nullable && !s.Nullable {
		copied := *s
		copied.Nullable = true
		s = &copied
	}
	return s
}

func extraOf(s *Schema) string {
	switch {
	case s.Closed:
		return "forbidden"
	case s.AdditionalProperties != nil:
		return "allowed"
	}
	return "unspecified"
}

func orAny(t string) string {
	if t == "" {
		return "any"
	}
	return t
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func uintOf(p *uint64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

func floatOf(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

func sortedKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

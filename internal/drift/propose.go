package drift

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Proposal is a draft of the contract change that upstream's moves call
// for: the additive moves that map mechanically onto the contract are
// applied to a copy of it, the rest are listed for a person.
type Proposal struct {
	// Contract is the contract with the changes applied. Only the lines
	// that change differ from the original.
	Contract []byte
	// Applied says, one line each, what was changed where.
	Applied []string
	// Left lists the moves left to a person, each with the reason.
	Left []string
}

// todo is the description of an added property: ours are written in our
// own words, so the draft asks for one.
const todo = "TODO(drift-propose): say what this is, in our own words."

// Propose drafts the change to contract (openapi/loops.yaml) for the moves
// from was (the committed digest) to now (upstream's newer document). It
// applies, where it finds the place in the contract: a new response or
// webhook payload property, a new optional request property, a new enum value
// where the contract has an enum, and a changed limit. A new operation, a
// new required request field, and any change of behaviour (types,
// required flags, alternatives, statuses, security) are left to a person.
func Propose(contract []byte, now, was *Digest) (*Proposal, error) {
	p, err := newProposer(contract, now)
	if err != nil {
		return nil, err
	}
	out := &Proposal{}
	for _, f := range Compare(now, was, Upstream) {
		applied, err := p.apply(f)
		switch {
		case err != nil:
			out.Left = append(out.Left, f.String()+"\n    left: "+err.Error())
		default:
			out.Applied = append(out.Applied, applied...)
		}
	}
	out.Contract = []byte(p.y.String())
	return out, nil
}

func newProposer(contract []byte, now *Digest) (*proposer, error) {
	doc, err := parse(contract)
	if err != nil {
		return nil, fmt.Errorf("the contract: %w", err)
	}
	y, err := parseYAMLText(contract)
	if err != nil {
		return nil, fmt.Errorf("the contract: %w", err)
	}
	return proposerOf(FromDocument(doc, contract), y, now), nil
}

// proposerOf edits y, the contract's text, whose digest is ours.
func proposerOf(ours *Digest, y *yamlText, now *Digest) *proposer {
	return &proposer{
		ours: ours, now: now, y: y, done: map[string]bool{},
		c: &comparer{mode: Contract, schemasA: ours.Schemas, schemasB: now.Schemas, visiting: map[[2]string]bool{}, costs: map[[2]*Schema]int{}},
	}
}

type proposer struct {
	ours, now *Digest
	y         *yamlText
	c         *comparer       // pairs the contract's alternatives (a) with upstream's (b)
	done      map[string]bool // changes made, by place, so that shared schemas change once
}

// apply makes the change f calls for, or says why it cannot.
func (p *proposer) apply(f Finding) ([]string, error) {
	switch f.Kind {
	case PropertyAdded:
		parent, name := cutLast(f.Where)
		if f.required && strings.Contains(f.Where, ".request.") {
			return nil, fmt.Errorf("a new required request field changes what callers must send")
		}
		return p.each(parent, func(t *yaml.Node) (string, error) { return p.addProperty(t, name, f) })
	case EnumAdded:
		return p.each(f.Where, func(t *yaml.Node) (string, error) { return p.addEnum(t, f) })
	case MinLength, MaxLength, MinItems, MaxItems, MinProperties, MaxProperties, Minimum, Maximum:
		return p.each(f.Where, func(t *yaml.Node) (string, error) { return p.setLimit(t, f) })
	case OperationAdded:
		return nil, fmt.Errorf("a new operation: a person designs its method, local checks and fake behaviour")
	}
	return nil, fmt.Errorf("not additive: a person decides what it means for callers")
}

// each applies change to every place of the contract that where maps to.
func (p *proposer) each(where string, change func(*yaml.Node) (string, error)) ([]string, error) {
	targets, err := p.locate(where)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range targets {
		line, err := change(t)
		if err != nil {
			return out, err
		}
		if line != "" {
			out = append(out, line+" (for "+where+")")
		}
	}
	return out, nil
}

func (p *proposer) addProperty(t *yaml.Node, name string, f Finding) (string, error) {
	holder := p.y.holder(t, "properties")
	props := value(holder, "properties")
	if props == nil || props.Kind != yaml.MappingNode || len(props.Content) == 0 {
		return "", fmt.Errorf("the contract's schema at line %d has no properties to add to", t.Line)
	}
	key := fmt.Sprintf("property %d %s", props.Line, name)
	if value(props, name) != nil || p.done[key] {
		return "", nil // already there
	}
	s, _ := f.now.(*Schema)
	body, err := schemaLines(s)
	if err != nil {
		return "", err
	}
	p.y.addEntry(props, slices.Concat([]string{name + ":"}, indented(body)))
	p.done[key] = true
	line := fmt.Sprintf("+ %s.%s: %s", p.y.name(holder), name, f.Detail)
	if !f.required {
		return line, nil
	}
	if req := value(holder, "required"); req != nil {
		if err := p.y.addToList(req, name); err != nil {
			return "", err
		}
	} else {
		p.y.addEntry(holder, []string{"required: [" + name + "]"})
	}
	if value(holder, "example") != nil {
		line += "; its example needs one too"
	}
	return line, nil
}

func (p *proposer) addEnum(t *yaml.Node, f Finding) (string, error) {
	holder := p.y.holder(t, "enum")
	list := value(holder, "enum")
	if list == nil {
		return "", fmt.Errorf("the contract has no enum at line %d: the value is open there already", t.Line)
	}
	text := scalarText(f.now)
	key := fmt.Sprintf("enum %d %s", list.Line, text)
	if p.done[key] || slices.ContainsFunc(list.Content, func(n *yaml.Node) bool { return n.Value == fmt.Sprint(f.now) }) {
		return "", nil
	}
	p.done[key] = true
	if err := p.y.addToList(list, text); err != nil {
		return "", err
	}
	return fmt.Sprintf("+ %s: enum value %s", p.y.name(holder), text), nil
}

func (p *proposer) setLimit(t *yaml.Node, f Finding) (string, error) {
	text, _ := f.now.(string)
	if text == "" {
		return "", fmt.Errorf("upstream dropped the limit: a person decides whether callers may now send more")
	}
	name := string(f.Kind)
	holder := p.y.holder(t, name)
	key := fmt.Sprintf("limit %d %d %s", holder.Line, holder.Column, name)
	if p.done[key] {
		return "", nil
	}
	p.done[key] = true
	if old := value(holder, name); old != nil {
		if err := p.y.setScalar(old, text); err != nil {
			return "", err
		}
		return fmt.Sprintf("~ %s: %s %s → %s", p.y.name(holder), name, old.Value, text), nil
	}
	p.y.addEntry(holder, []string{name + ": " + text})
	return fmt.Sprintf("+ %s: %s %s", p.y.name(holder), name, text), nil
}

// locate finds the places in the contract's YAML that an upstream
// location maps to: through the same operation (by method and path), its
// request or response schema, then property by property, following
// references and allOf. An alternative (<label>) maps to every contract
// alternative that corresponds best to upstream's, so it may be several.
func (p *proposer) locate(where string) ([]*yaml.Node, error) {
	segs := segments(where)
	if len(segs) < 2 {
		return nil, fmt.Errorf("not a place in a schema")
	}
	if segs[0] == "webhook" {
		return p.locateWebhook(segs[1], segs[2:], where)
	}
	key := ""
	for k, o := range p.now.Operations {
		if o.OperationID == segs[0] {
			key = k
		}
	}
	ours, theirs := p.ours.Operations[key], p.now.Operations[key]
	if ours == nil || theirs == nil {
		return nil, fmt.Errorf("the contract has no operation %s", orAny(key))
	}
	method, path, _ := strings.Cut(key, " ")
	op := value(value(value(p.y.root, "paths"), path), strings.ToLower(method))
	var node *yaml.Node
	var cs, us *Schema
	switch {
	case segs[1] == "request" && ours.RequestBody != nil && theirs.RequestBody != nil:
		node, cs, us = p.y.child(op, "requestBody"), ours.RequestBody.Schema, theirs.RequestBody.Schema
		segs = segs[2:]
	case segs[1] == "response" && len(segs) > 2 && ours.Responses[segs[2]] != nil && theirs.Responses[segs[2]] != nil:
		node, cs, us = p.y.child(value(op, "responses"), segs[2]), ours.Responses[segs[2]].Schema, theirs.Responses[segs[2]].Schema
		segs = segs[3:]
	default:
		return nil, fmt.Errorf("the contract's %s has no such part", segs[0])
	}
	node = p.y.child(p.y.child(p.y.child(node, "content"), "application/json"), "schema")
	return p.walk(node, cs, us, segs, where)
}

// locateWebhook finds a webhook payload's schema: the contract declares
// each as a component schema.
func (p *proposer) locateWebhook(name string, segs []string, where string) ([]*yaml.Node, error) {
	for event, theirs := range p.now.Webhooks {
		if camel(event) != name {
			continue
		}
		ours := p.ours.Webhooks[event]
		if ours == nil || ours.Ref == "" {
			return nil, fmt.Errorf("the contract has no component schema for webhook %s", event)
		}
		node := value(value(value(p.y.root, "components"), "schemas"), ours.Ref)
		return p.walk(node, ours, theirs, segs, where)
	}
	return nil, fmt.Errorf("upstream has no webhook %s", name)
}

// walk follows segs from a contract schema (its YAML node and digest, cs)
// alongside upstream's (us).
func (p *proposer) walk(node *yaml.Node, cs, us *Schema, segs []string, where string) ([]*yaml.Node, error) {
	if node == nil || cs == nil || us == nil {
		return nil, fmt.Errorf("the contract has no schema at the place of %s", where)
	}
	if len(segs) == 0 {
		return []*yaml.Node{p.y.deref(node)}, nil
	}
	rc, ru := resolveIn(p.ours.Schemas, cs), resolveIn(p.now.Schemas, us)
	switch seg := segs[0]; {
	case seg == "[]":
		return p.walk(p.y.child(node, "items"), rc.Items, ru.Items, segs[1:], where)
	case seg == "{}":
		return p.walk(p.y.child(node, "additionalProperties"), rc.AdditionalProperties, ru.AdditionalProperties, segs[1:], where)
	case strings.HasPrefix(seg, "<"):
		return p.alternatives(node, rc, ru, strings.Trim(seg, "<>"), segs[1:], where)
	default:
		return p.walk(p.y.child(p.y.child(node, "properties"), seg), rc.Properties[seg], ru.Properties[seg], segs[1:], where)
	}
}

// alternatives continues the walk in each contract alternative whose best
// match among upstream's is the one labelled label.
func (p *proposer) alternatives(node *yaml.Node, rc, ru *Schema, label string, rest []string, where string) ([]*yaml.Node, error) {
	rule, ca, ua := "oneOf", rc.OneOf, ru.OneOf
	if len(ca) == 0 {
		rule, ca, ua = "anyOf", rc.AnyOf, ru.AnyOf
	}
	ra, rb := p.c.resolveAll(p.ours.Schemas, ca), p.c.resolveAll(p.now.Schemas, ua)
	keyA, keyB := p.c.keys(ra, rb, rc.Discriminator, ru.Discriminator)
	target := slices.Index(labels(p.now.Schemas, rb, keyB), label)
	if target < 0 {
		return nil, fmt.Errorf("upstream has no alternative <%s>", label)
	}
	items := seq(p.y.child(node, rule))
	var out []*yaml.Node
	for i, alt := range ca {
		best := 0
		for j := range rb {
			if p.closeness(alt, keyA, i, ua, keyB, j) < p.closeness(alt, keyA, i, ua, keyB, best) {
				best = j
			}
		}
		if best != target {
			continue
		}
		if alt.Ref == "" {
			return nil, fmt.Errorf("the contract's matching alternative is inline; edit it by hand")
		}
		j := slices.IndexFunc(items, func(n *yaml.Node) bool {
			ref := value(n, "$ref")
			return ref != nil && strings.HasSuffix(ref.Value, "/"+alt.Ref)
		})
		if j < 0 {
			return nil, fmt.Errorf("the contract's alternative %s is not in its %s list", alt.Ref, rule)
		}
		found, err := p.walk(items[j], alt, ua[target], rest, where)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	return out, nil
}

// closeness ranks upstream alternative j for contract alternative i: equal
// keys first, else the fewest differences.
func (p *proposer) closeness(a *Schema, keyA []string, i int, ua []*Schema, keyB []string, j int) int {
	if keyA != nil {
		if keyA[i] == keyB[j] {
			return 0
		}
		return 1 << 30
	}
	return p.c.cost(a, ua[j])
}

// segments splits a finding's location into its steps: names, "[]", "{}"
// and "<label>" (whose text may hold dots).
func segments(where string) []string {
	var out []string
	var name strings.Builder
	flush := func() {
		if name.Len() > 0 {
			out = append(out, name.String())
			name.Reset()
		}
	}
	for i := 0; i < len(where); i++ {
		switch c := where[i]; {
		case c == '.':
			flush()
		case c == '<':
			flush()
			end := strings.IndexByte(where[i:], '>')
			if end < 0 {
				end = len(where) - i - 1
			}
			out = append(out, where[i:i+end+1])
			i += end
		case strings.HasPrefix(where[i:], "[]"), strings.HasPrefix(where[i:], "{}"):
			flush()
			out = append(out, where[i:i+2])
			i++
		default:
			name.WriteByte(c)
		}
	}
	flush()
	return out
}

// cutLast splits "a.b.c" into "a.b" and "c".
func cutLast(where string) (string, string) {
	i := strings.LastIndexByte(where, '.')
	return where[:i], where[i+1:]
}

func indented(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "  " + l
	}
	return out
}

// schemaLines writes a new property's schema as contract YAML (OpenAPI
// 3.0: nullable rather than a null type).
func schemaLines(s *Schema) ([]string, error) {
	switch {
	case s == nil:
		return nil, fmt.Errorf("no schema")
	case s.Ref != "":
		return nil, fmt.Errorf("it is upstream's schema %s, which the contract may name otherwise", s.Ref)
	case len(s.OneOf)+len(s.AnyOf) > 0 || strings.Contains(s.Type, "|"):
		return nil, fmt.Errorf("it has alternatives")
	}
	var out []string
	kv := func(cond bool, k string, v any) {
		if cond {
			out = append(out, k+": "+scalarText(v))
		}
	}
	kv(s.Type != "", "type", s.Type)
	kv(s.Format != "", "format", s.Format)
	kv(s.Nullable, "nullable", true)
	if len(s.Enum) > 0 {
		vs := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vs[i] = scalarText(v)
		}
		out = append(out, "enum: ["+strings.Join(vs, ", ")+"]")
	}
	for _, l := range []struct {
		k string
		v *uint64
	}{{"minLength", s.MinLength}, {"maxLength", s.MaxLength}, {"minItems", s.MinItems}, {"maxItems", s.MaxItems}, {"minProperties", s.MinProperties}, {"maxProperties", s.MaxProperties}} {
		kv(l.v != nil, l.k, uintOf(l.v))
	}
	kv(s.Minimum != nil, "minimum", floatOf(s.Minimum))
	kv(s.Maximum != nil, "maximum", floatOf(s.Maximum))
	kv(s.Pattern != "", "pattern", s.Pattern)
	kv(s.Default != nil, "default", s.Default)
	kv(s.Deprecated, "deprecated", true)
	if s.Items != nil {
		items, err := schemaLines(s.Items)
		if err != nil {
			return nil, fmt.Errorf("items: %w", err)
		}
		out = append(append(out, "items:"), indented(items)...)
	}
	if len(s.Required) > 0 {
		out = append(out, "required: ["+strings.Join(s.Required, ", ")+"]")
	}
	if len(s.Properties) > 0 {
		out = append(out, "properties:")
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			prop, err := schemaLines(s.Properties[name])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(append(out, "  "+name+":"), indented(indented(prop))...)
		}
	}
	kv(s.Closed, "additionalProperties", false)
	return append(out, "description: "+scalarText(todo)), nil
}

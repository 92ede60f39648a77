package drift

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// variants compares the alternatives of a oneOf or anyOf one by one, each
// resolved in full, after pairing them: by discriminator value when every
// alternative has one, else by title when every alternative has a
// distinct one, else by shape (the pairing with the fewest differences).
// Position and spelling carry no meaning. An alternative left without a
// partner is a Variants finding; the differences inside a pair are found
// at where<label>, label naming the alternative.
func (c *comparer) variants(where, rule string, a, b []*Schema, da, db *Discriminator) {
	if len(a) == 0 && len(b) == 0 {
		return
	}
	ra, rb := c.resolveAll(c.schemasA, a), c.resolveAll(c.schemasB, b)
	keyA, keyB := c.keys(ra, rb, da, db)
	if keyA == nil {
		keyA, keyB = make([]string, len(a)), make([]string, len(b))
	}
	pairs, onlyA, onlyB := c.pair(ra, rb, keyA, keyB)
	labelA, labelB := labels(c.schemasA, ra, keyA), labels(c.schemasB, rb, keyB)
	c.within = append(c.within, where)
	defer func() { c.within = c.within[:len(c.within)-1] }()
	for _, p := range pairs {
		c.schema(where+"<"+labelB[p[1]]+">", a[p[0]], b[p[1]])
	}
	for _, i := range onlyA {
		c.add(where, Variants, fmt.Sprintf("+ %s alternative <%s> only in %s: %s", rule, labelA[i], c.first(), describe(c.schemasA, a[i])))
	}
	for _, j := range onlyB {
		c.add(where, Variants, fmt.Sprintf("- %s alternative <%s> only in %s: %s", rule, labelB[j], c.second(), describe(c.schemasB, b[j])))
	}
}

func (c *comparer) resolveAll(schemas map[string]*Schema, vs []*Schema) []*Schema {
	out := make([]*Schema, len(vs))
	for i, v := range vs {
		out[i] = resolveIn(schemas, v)
		if out[i] == nil {
			out[i] = &Schema{}
		}
	}
	return out
}

// keys names each alternative by its discriminator value, or else its
// title. It returns nil slices when neither names every alternative of
// both sides distinctly.
func (c *comparer) keys(a, b []*Schema, da, db *Discriminator) ([]string, []string) {
	for _, prop := range discriminators(a, b, da, db) {
		ka, kb := constants(c.schemasA, a, prop), constants(c.schemasB, b, prop)
		if ka != nil && kb != nil {
			return ka, kb
		}
	}
	titles := func(vs []*Schema) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = v.Title
		}
		if slices.Contains(out, "") || len(slices.Compact(slices.Sorted(slices.Values(out)))) != len(out) {
			return nil
		}
		return out
	}
	ka, kb := titles(a), titles(b)
	if ka == nil || kb == nil {
		return nil, nil
	}
	return ka, kb
}

// discriminators lists the properties that may tell alternatives apart:
// a declared discriminator first, then every property that each
// alternative of both sides has.
func discriminators(a, b []*Schema, da, db *Discriminator) []string {
	var out []string
	for _, d := range []*Discriminator{db, da} {
		if d != nil {
			out = append(out, d.Property)
		}
	}
	common := map[string]int{}
	for _, v := range slices.Concat(a, b) {
		for name := range v.Properties {
			common[name]++
		}
	}
	for _, name := range slices.Sorted(maps.Keys(common)) {
		if common[name] == len(a)+len(b) {
			out = append(out, name)
		}
	}
	return out
}

// constants returns, for each alternative, prop=value where prop holds a
// single constant value, or nil unless every alternative has a distinct one.
func constants(schemas map[string]*Schema, vs []*Schema, prop string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		p := resolveIn(schemas, v.Properties[prop])
		if p == nil || len(p.Enum) != 1 {
			return nil
		}
		out[i] = prop + "=" + strings.Trim(jsonOf(p.Enum[0]), `"`)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(out)))) != len(out) {
		return nil
	}
	return out
}

// pair matches alternatives of a and b: by equal keys when there are
// keys, else greedily by the fewest differences between them.
func (c *comparer) pair(a, b []*Schema, keyA, keyB []string) (pairs [][2]int, onlyA, onlyB []int) {
	usedA, usedB := make([]bool, len(a)), make([]bool, len(b))
	if len(a) > 0 && keyA[0] != "" {
		for i, k := range keyA {
			if j := slices.Index(keyB, k); j >= 0 {
				pairs = append(pairs, [2]int{i, j})
				usedA[i], usedB[j] = true, true
			}
		}
	} else {
		type candidate struct{ i, j, cost int }
		var cands []candidate
		for i := range a {
			for j := range b {
				cands = append(cands, candidate{i, j, c.cost(a[i], b[j])})
			}
		}
		slices.SortStableFunc(cands, func(x, y candidate) int { return x.cost - y.cost })
		for _, k := range cands {
			if !usedA[k.i] && !usedB[k.j] {
				pairs = append(pairs, [2]int{k.i, k.j})
				usedA[k.i], usedB[k.j] = true, true
			}
		}
	}
	for i, used := range usedA {
		if !used {
			onlyA = append(onlyA, i)
		}
	}
	for j, used := range usedB {
		if !used {
			onlyB = append(onlyB, j)
		}
	}
	return pairs, onlyA, onlyB
}

// cost measures how far apart two alternatives are by their shape: type,
// property names, the properties' types and constant values, and the
// required set. It looks one level deep only, so that a large difference
// nested in one property cannot outweigh the shape that tells
// alternatives apart.
func (c *comparer) cost(a, b *Schema) int {
	key := [2]*Schema{a, b}
	if n, ok := c.costs[key]; ok {
		return n
	}
	ra, rb := resolveIn(c.schemasA, a), resolveIn(c.schemasB, b)
	n := 0
	if ra == nil || rb == nil {
		n = 1 << 20
	} else {
		n = shapeDistance(ra, rb, c.schemasA, c.schemasB)
	}
	c.costs[key] = n
	return n
}

func shapeDistance(a, b *Schema, sa, sb map[string]*Schema) int {
	n := 0
	differ := func(cond bool) {
		if cond {
			n++
		}
	}
	differ(a.Type != b.Type)
	differ(disjoint(a.Enum, b.Enum))
	for _, name := range sortedKeys(a.Properties, b.Properties) {
		pa, pb := a.Properties[name], b.Properties[name]
		if pa == nil || pb == nil {
			n++
			continue
		}
		pa, pb = resolveIn(sa, pa), resolveIn(sb, pb)
		if pa == nil || pb == nil {
			continue // an unresolved reference
		}
		differ(pa.Type != pb.Type)
		differ(disjoint(pa.Enum, pb.Enum))
	}
	for _, name := range slices.Concat(a.Required, b.Required) {
		differ(slices.Contains(a.Required, name) != slices.Contains(b.Required, name))
	}
	return n
}

// disjoint reports whether two enums both exist and share no value.
func disjoint(a, b []any) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	inB := set(jsonKeys(b))
	return !slices.ContainsFunc(jsonKeys(a), func(k string) bool { return inB[k] })
}

// labels name the alternatives of one side in findings' locations: by
// their keys; else by a property whose values tell them apart, as
// "status=dryRun|queuedContactsFound"; else by type and required fields.
func labels(schemas map[string]*Schema, vs []*Schema, keys []string) []string {
	if len(keys) > 0 && keys[0] != "" {
		return keys
	}
	for _, prop := range discriminators(vs, nil, nil, nil) {
		out := make([]string, len(vs))
		var seen []any
		for i, v := range vs {
			p := resolveIn(schemas, v.Properties[prop])
			if p == nil || len(p.Enum) == 0 || len(seen) > 0 && !disjoint(p.Enum, seen) {
				out = nil
				break
			}
			seen = append(seen, p.Enum...)
			values := make([]string, len(p.Enum))
			for k, e := range p.Enum {
				values[k] = strings.Trim(jsonOf(e), `"`)
			}
			out[i] = prop + "=" + strings.Join(values, "|")
		}
		if out != nil {
			return out
		}
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = shapeLabel(v)
	}
	return out
}

// shapeLabel names an alternative by its type and required properties.
func shapeLabel(s *Schema) string {
	var parts []string
	if s.Type != "" {
		parts = append(parts, s.Type)
	}
	if len(s.Required) > 0 {
		parts = append(parts, "required "+strings.Join(s.Required, ","))
	}
	if len(parts) == 0 {
		return "any"
	}
	return strings.Join(parts, " ")
}

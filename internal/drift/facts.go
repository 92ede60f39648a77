package drift

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// Fact is a number we take from Loops' prose rather than from a schema, as
// declared in openapi/upstream-facts.yaml: the node cap, quotas, limits.
// Schemas cannot state them, so the gate watches the words instead.
type Fact struct {
	// Name says what the number is, such as "workflow node cap".
	Name string `yaml:"name"`
	// Value is the number.
	Value float64 `yaml:"value"`
	// Source names the document and version the fact was read in.
	Source string `yaml:"source"`
	// Upstream lists where the digested spec states the fact. Empty when
	// only a document the gate does not digest states it; Unwatched then
	// says so, and the fact is listed in every report for a person to
	// re-check.
	Upstream []Quote `yaml:"upstream"`
	// Unwatched says why the gate cannot watch the fact.
	Unwatched string `yaml:"unwatched"`
	// Dependents are the places that hold the number: a Go constant
	// ("go: loops.MaxWorkflowNodes") or a value in the contract ("contract:
	// components.schemas.X.properties.y.maximum"; a text there must
	// contain the number). TestFactDependents checks that each holds Value.
	Dependents []Dependent `yaml:"dependents"`
}

// ValueText spells the value as the declaration does: 4000000, never 4e+06.
func (f Fact) ValueText() string { return strconv.FormatFloat(f.Value, 'f', -1, 64) }

// Quote is a fact's upstream text: where the spec says it, and the words.
type Quote struct {
	// At locates a text in the spec: an operationId or "schemas.<name>",
	// then a path of keys; a list is indexed by its items' name, as in
	// "sendEvent.parameters.Idempotency-Key.description".
	At string `yaml:"at"`
	// Text is the words that state the fact, compared with runs of white
	// space taken as one space.
	Text string `yaml:"text"`
}

// Dependent is one place of ours that holds a fact's number.
type Dependent struct {
	Go       string `yaml:"go,omitempty"`
	Contract string `yaml:"contract,omitempty"`
}

func (d Dependent) String() string {
	if d.Go != "" {
		return "Go " + d.Go
	}
	return "contract " + d.Contract
}

// ParseFacts reads openapi/upstream-facts.yaml. Every fact needs a name, a
// source, dependents, and either upstream quotes that contain its value or
// a reason it is unwatched.
func ParseFacts(data []byte) ([]Fact, error) {
	var f struct {
		Facts []Fact `yaml:"facts"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("reading the facts: %w", err)
	}
	for i, fact := range f.Facts {
		switch {
		case fact.Name == "" || fact.Source == "" || len(fact.Dependents) == 0:
			return nil, fmt.Errorf("fact %d (%q) needs a name, a source and dependents", i+1, fact.Name)
		case len(fact.Upstream) == 0 && strings.TrimSpace(fact.Unwatched) == "":
			return nil, fmt.Errorf("fact %q has no upstream text: say why under unwatched", fact.Name)
		}
		for _, q := range fact.Upstream {
			if !slices.ContainsFunc(numberForms(fact.Value), func(n string) bool { return strings.Contains(q.Text, n) }) {
				return nil, fmt.Errorf("fact %q: the text %q at %s does not state %s", fact.Name, q.Text, q.At, fact.ValueText())
			}
		}
	}
	return f.Facts, nil
}

// numberForms spells v as prose may: 4000000 and 4,000,000.
func numberForms(v float64) []string {
	plain := strconv.FormatFloat(v, 'f', -1, 64)
	grouped := plain
	if whole, _, _ := strings.Cut(plain, "."); len(whole) > 3 && !strings.HasPrefix(whole, "-") {
		var b strings.Builder
		for i, r := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		grouped = b.String() + strings.TrimPrefix(plain, whole)
	}
	return []string{plain, grouped}
}

// prose returns the normalized text at each location of the quotes, read
// from the parsed spec; a location the spec lacks is absent.
func prose(doc *openapi3.T, facts []Fact) map[string]string {
	out := map[string]string{}
	for _, f := range facts {
		for _, q := range f.Upstream {
			if text, ok := lookup(doc, q.At).(string); ok {
				out[q.At] = squash(text)
			}
		}
	}
	return out
}

// lookup follows at through the document: the operation or component
// schema it starts with, as JSON, then the path of keys.
func lookup(doc *openapi3.T, at string) any {
	first, rest, _ := strings.Cut(at, ".")
	var start any
	switch {
	case first == "schemas":
		var name string
		name, rest, _ = strings.Cut(rest, ".")
		if doc.Components != nil && doc.Components.Schemas[name] != nil {
			start = doc.Components.Schemas[name].Value
		}
	case doc.Paths != nil:
		for _, item := range doc.Paths.Map() {
			for _, op := range item.Operations() {
				if op.OperationID == first {
					start = op
				}
			}
		}
	}
	if start == nil {
		return nil
	}
	b, err := json.Marshal(start)
	if err != nil {
		return nil
	}
	var node any
	if json.Unmarshal(b, &node) != nil {
		return nil
	}
	return dig(node, strings.Split(rest, ".")...)
}

// dig steps through maps by key and through lists by their items' name.
func dig(node any, keys ...string) any {
	for _, key := range keys {
		switch n := node.(type) {
		case map[string]any:
			node = n[key]
		case []any:
			i := slices.IndexFunc(n, func(item any) bool {
				m, ok := item.(map[string]any)
				return ok && m["name"] == key
			})
			if i < 0 {
				return nil
			}
			node = n[i]
		default:
			return nil
		}
	}
	return node
}

func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// found lists, by location, the quotes that texts hold: what the digest
// keeps of upstream's prose (the quotes, not Loops' whole text).
func found(facts []Fact, texts map[string]string) map[string][]string {
	out := map[string][]string{}
	for _, f := range facts {
		for _, q := range f.Upstream {
			if strings.Contains(texts[q.At], squash(q.Text)) && !slices.Contains(out[q.At], squash(q.Text)) {
				out[q.At] = append(out[q.At], squash(q.Text))
				slices.Sort(out[q.At])
			}
		}
	}
	return out
}

// recorded turns the digest's quotes back into texts for checkFacts.
func recorded(quotes map[string][]string) map[string]string {
	out := map[string]string{}
	for at, qs := range quotes {
		out[at] = strings.Join(qs, "\n")
	}
	return out
}

// checkFacts holds each watched fact's quotes against the texts of a spec
// (or of the digest, which keeps the texts the quotes were found in), and
// returns one finding per quote the text no longer holds.
func checkFacts(facts []Fact, texts map[string]string, version string) []string {
	var out []string
	for _, f := range facts {
		for _, q := range f.Upstream {
			text, ok := texts[q.At]
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("! watched fact %q (%s): %s %s has no text at %s", f.Name, f.ValueText(), f.Source, version, q.At))
			case !strings.Contains(text, squash(q.Text)):
				out = append(out, fmt.Sprintf("! watched fact %q (%s): %s in %s no longer says %q", f.Name, f.ValueText(), q.At, version, squash(q.Text)))
			default:
				continue
			}
			out[len(out)-1] += "; it sets " + dependentsText(f.Dependents)
		}
	}
	return out
}

func dependentsText(ds []Dependent) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.String()
	}
	return strings.Join(names, ", ")
}

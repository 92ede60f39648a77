package drift

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// Difference is one reviewed, deliberate difference between the contract
// and upstream, as listed in openapi/upstream-differences.yaml.
type Difference struct {
	// Where is a pattern over Finding.Where. "*" matches any text within
	// one dot-separated segment (as in "list*"), "**" matches any text
	// across segments, and "{a,b}" matches either word; everything else,
	// "[]" and "{}" included, matches itself.
	Where string `yaml:"where"`
	// Kind is a pattern over the Kind it explains, with the same syntax.
	Kind string `yaml:"kind"`
	// Why says, in one line, why the difference is deliberate.
	Why string `yaml:"why"`

	where, kind *regexp.Regexp
}

// differencesFile is the YAML document.
type differencesFile struct {
	Differences []Difference `yaml:"differences"`
}

// ParseDifferences reads the reviewed differences. Every entry needs a
// where, a kind and a reason.
func ParseDifferences(data []byte) ([]Difference, error) {
	var f differencesFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("reading the differences: %w", err)
	}
	for i := range f.Differences {
		d := &f.Differences[i]
		if d.Where == "" || d.Kind == "" || strings.TrimSpace(d.Why) == "" {
			return nil, fmt.Errorf("difference %d (%q, %q) needs where, kind and why", i+1, d.Where, d.Kind)
		}
		var err error
		if d.where, err = compilePattern(d.Where); err != nil {
			return nil, fmt.Errorf("difference %d: where: %w", i+1, err)
		}
		if d.kind, err = compilePattern(d.Kind); err != nil {
			return nil, fmt.Errorf("difference %d: kind: %w", i+1, err)
		}
	}
	return f.Differences, nil
}

// compilePattern turns a where or kind pattern into an anchored regexp.
func compilePattern(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString(`[^.]*`)
		case c == '{' && i+1 < len(p) && p[i+1] != '}':
			end := strings.IndexByte(p[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("%q: unclosed {", p)
			}
			words := strings.Split(p[i+1:i+end], ",")
			for j, w := range words {
				words[j] = regexp.QuoteMeta(w)
			}
			b.WriteString("(?:" + strings.Join(words, "|") + ")")
			i += end
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// Matches reports whether d explains f. d must come from ParseDifferences.
// An entry of kind "variants" also explains every finding inside the
// alternatives it names: it says the contract's alternatives differ from
// upstream's there, on purpose.
func (d Difference) Matches(f Finding) bool {
	return d.matches(f, d.kind.MatchString(string(f.Kind)), d.kind.MatchString(string(Variants)))
}

// matches is Matches with the kind pattern already held against the
// finding's kind and against Variants.
func (d Difference) matches(f Finding, kindMatches, variantsMatches bool) bool {
	if kindMatches && d.where.MatchString(f.Where) {
		return true
	}
	return variantsMatches && slices.ContainsFunc(f.Within, d.where.MatchString)
}

// Verdict is the outcome of holding findings against the reviewed list.
type Verdict struct {
	// Unexplained are findings no difference explains.
	Unexplained []Finding
	// Stale are differences that explain no finding: an excuse for drift
	// that no longer exists is drift too.
	Stale []Difference
	// Explained counts the findings the list explains.
	Explained int
}

// OK reports whether the gate passes.
func (v Verdict) OK() bool { return len(v.Unexplained) == 0 && len(v.Stale) == 0 }

// Gate holds findings against the reviewed differences.
func Gate(findings []Finding, diffs []Difference) Verdict {
	var v Verdict
	used := make([]bool, len(diffs))
	// A report has a thousand findings of a few kinds: each entry's kind
	// pattern is matched once per kind, not once per finding.
	kinds := map[Kind][]bool{}
	kindMatches := func(k Kind) []bool {
		m, ok := kinds[k]
		if !ok {
			m = make([]bool, len(diffs))
			for i, d := range diffs {
				m[i] = d.kind.MatchString(string(k))
			}
			kinds[k] = m
		}
		return m
	}
	variants := kindMatches(Variants)
	for _, f := range findings {
		explained := false
		byKind := kindMatches(f.Kind)
		for i, d := range diffs {
			if d.matches(f, byKind[i], variants[i]) {
				used[i], explained = true, true
			}
		}
		if explained {
			v.Explained++
		} else {
			v.Unexplained = append(v.Unexplained, f)
		}
	}
	for i, d := range diffs {
		if !used[i] {
			v.Stale = append(v.Stale, d)
		}
	}
	return v
}

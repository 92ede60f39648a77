package drift

import (
	"slices"
	"testing"
)

// oneOfDigest is a digest with one operation whose answer is a oneOf of
// the given alternatives.
func oneOfDigest(alts ...*Schema) *Digest {
	return &Digest{Operations: map[string]*Operation{
		"GET /v1/x": {OperationID: "getX", Responses: map[string]*Body{"200": {Schema: &Schema{OneOf: alts}}}},
	}}
}

func obj(title string, props map[string]*Schema, required ...string) *Schema {
	return &Schema{Title: title, Type: "object", Properties: props, Required: required}
}

// Alternatives pair by title, else by shape; never by position. Reordered
// alternatives are no finding, and a change inside one is found at its
// label, not as one alternative dropped and another added.
func TestAlternativesPairByTitleAndShape(t *testing.T) {
	str, num := &Schema{Type: "string"}, &Schema{Type: "number"}
	timer := func(title string, amount *Schema) *Schema {
		return obj(title, map[string]*Schema{"amount": amount, "unit": str}, "amount", "unit")
	}
	email := func(title string) *Schema {
		return obj(title, map[string]*Schema{"subject": str, "emailMessageId": str}, "subject")
	}
	tests := []struct {
		name string
		a, b *Digest
		want []string // "where kind", in order
	}{
		{"titles, reordered", oneOfDigest(timer("Timer", num), email("Email")), oneOfDigest(email("Email"), timer("Timer", num)), nil},
		{"titles, a type changed", oneOfDigest(email("Email"), timer("Timer", str)), oneOfDigest(timer("Timer", num), email("Email")),
			[]string{"getX.response.200<Timer>.amount type"}},
		{"shapes, reordered", oneOfDigest(timer("", num), email("")), oneOfDigest(email(""), timer("", num)), nil},
		{"shapes, a type changed", oneOfDigest(email(""), timer("", str)), oneOfDigest(timer("", num), email("")),
			[]string{"getX.response.200<object required amount,unit>.amount type"}},
		{"shapes, an alternative added", oneOfDigest(email(""), timer("", num), obj("", map[string]*Schema{"url": str}, "url")), oneOfDigest(timer("", num), email("")),
			[]string{"getX.response.200 variants"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range Compare(tt.a, tt.b, Upstream) {
				got = append(got, f.Where+" "+string(f.Kind))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

package drift

import (
	"testing"
)

// Line edits keep the text around them: block and flow lists grow in
// their own style, a quoted scalar is replaced whole, and an entry goes
// after the last one of its mapping, past a block scalar's lines.
func TestYAMLTextEdits(t *testing.T) {
	const doc = `# kept
a:
  required:
    - x
  enum: [p, q]
  limit: "40"
  props:
    first: 1
    last: |
      text
      more text

b: 2
`
	y, err := parseYAMLText([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	a := value(y.root, "a")
	if err := y.addToList(value(a, "required"), "y"); err != nil {
		t.Fatal(err)
	}
	if err := y.addToList(value(a, "enum"), "r"); err != nil {
		t.Fatal(err)
	}
	if err := y.setScalar(value(a, "limit"), "50"); err != nil {
		t.Fatal(err)
	}
	y.addEntry(value(a, "props"), []string{"added: 3"})
	const want = `# kept
a:
  required:
    - x
    - y
  enum: [p, q, r]
  limit: 50
  props:
    first: 1
    last: |
      text
      more text
    added: 3

b: 2
`
	if got := y.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

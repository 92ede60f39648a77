package drift

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// yamlText is a YAML document being edited line by line, so that a
// proposal changes only the lines it must and keeps every comment, quote
// and wrap of the rest. Nodes come from parsing the original text; edits
// replace lines in place or insert after them, and never move a line, so
// node line numbers stay valid until String.
type yamlText struct {
	root   *yaml.Node // the document's top mapping
	lines  []string
	insert map[int][]string // lines to insert after line i (0-based)
}

func parseYAMLText(data []byte) (*yamlText, error) {
	doc, err := readTree(data)
	if err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fmt.Errorf("not a YAML document")
	}
	return &yamlText{root: doc.Content[0], lines: strings.Split(string(data), "\n"), insert: map[int][]string{}}, nil
}

// readTree reads a YAML document's tree for parseYAMLText; a yamlText
// never changes its tree. The tests set it to one that reads each
// distinct document once per test binary (cache_test.go).
var readTree = func(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	err := yaml.Unmarshal(data, &doc)
	return &doc, err
}

// String returns the edited text.
func (y *yamlText) String() string {
	var out []string
	for i, line := range y.lines {
		out = append(out, line)
		out = append(out, y.insert[i]...)
	}
	return strings.Join(out, "\n")
}

// deref follows a mapping's "$ref" within the document.
func (y *yamlText) deref(n *yaml.Node) *yaml.Node {
	for range 32 {
		ref := value(n, "$ref")
		if ref == nil {
			return n
		}
		pointer, ok := strings.CutPrefix(ref.Value, "#/")
		if !ok {
			return nil
		}
		n = y.root
		for key := range strings.SplitSeq(pointer, "/") {
			n = value(n, strings.NewReplacer("~1", "/", "~0", "~").Replace(key))
		}
	}
	return n
}

// holder returns the mapping that holds key for the schema n: n itself,
// or one of its allOf parts.
func (y *yamlText) holder(n *yaml.Node, key string) *yaml.Node {
	n = y.deref(n)
	if n == nil || value(n, key) != nil {
		return n
	}
	for _, part := range seq(value(n, "allOf")) {
		if h := y.holder(part, key); h != nil && value(h, key) != nil {
			return h
		}
	}
	return n
}

// child steps from n to its key, looking through references and allOf.
func (y *yamlText) child(n *yaml.Node, key string) *yaml.Node {
	return value(y.holder(n, key), key)
}

// name says where a schema node is: its component's name, or its line.
func (y *yamlText) name(n *yaml.Node) string {
	schemas := value(value(y.root, "components"), "schemas")
	for i := 0; schemas != nil && i+1 < len(schemas.Content); i += 2 {
		if schemas.Content[i+1] == n {
			return "components.schemas." + schemas.Content[i].Value
		}
	}
	return fmt.Sprintf("the schema at line %d", n.Line)
}

// value returns a mapping's value for key, or nil.
func value(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func seq(n *yaml.Node) []*yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content
}

// end returns the 0-based index of the last line of the entry whose key
// node is k: the lines after it indented deeper, or blank.
func (y *yamlText) end(k *yaml.Node) int {
	last := k.Line - 1
	for i := k.Line; i < len(y.lines); i++ {
		line := y.lines[i]
		if strings.TrimSpace(line) == "" {
			continue
		}
		if col := indent(line); col < k.Column || col == k.Column && !strings.HasPrefix(strings.TrimSpace(line), "- ") {
			break // the next entry (a block list may sit at its key's column)
		}
		last = i
	}
	return last
}

func indent(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) + 1 }

// addEntry adds "key: ..." lines to mapping m, after its last entry.
func (y *yamlText) addEntry(m *yaml.Node, lines []string) {
	lastKey := m.Content[len(m.Content)-2]
	at := y.end(lastKey)
	pad := strings.Repeat(" ", lastKey.Column-1)
	for _, line := range lines {
		y.insert[at] = append(y.insert[at], pad+line)
	}
}

// addToList adds a scalar to a sequence, flow ([a, b]) or block (- a).
func (y *yamlText) addToList(list *yaml.Node, item string) error {
	if list.Style&yaml.FlowStyle != 0 {
		i := list.Line - 1
		close := strings.LastIndex(y.lines[i], "]")
		if close < 0 {
			return fmt.Errorf("a flow list spread over lines at line %d", list.Line)
		}
		sep := ", "
		if len(list.Content) == 0 {
			sep = ""
		}
		y.lines[i] = y.lines[i][:close] + sep + item + y.lines[i][close:]
		return nil
	}
	if len(list.Content) == 0 {
		return fmt.Errorf("an empty block list at line %d", list.Line)
	}
	last := slices.MaxFunc(list.Content, func(a, b *yaml.Node) int { return a.Line - b.Line })
	y.insert[last.Line-1] = append(y.insert[last.Line-1], strings.Repeat(" ", last.Column-3)+"- "+item)
	return nil
}

// setScalar replaces a one-line scalar's text.
func (y *yamlText) setScalar(n *yaml.Node, text string) error {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return fmt.Errorf("not a one-line value at line %d", n.Line)
	}
	i, col := n.Line-1, n.Column-1
	line := y.lines[i]
	rest := line[col:]
	width := len(n.Value)
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		width = strings.IndexByte(rest[1:], rest[0]) + 2
	}
	y.lines[i] = line[:col] + text + rest[width:]
	return nil
}

// scalarText renders a value as a YAML scalar, quoted where needed.
func scalarText(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}

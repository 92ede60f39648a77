package drift

import (
	"fmt"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// A mutation test changes a copy of a real document and parses the copy.
// Most of a parse is reading the YAML text (about 150 of 250 ms under
// -race); the rest is kin-openapi decoding the YAML tree into an
// openapi3.T. So the mutations of TestGateOnMutatedRealSpec are edits of
// the document's tree, read once per test binary: each case edits its own
// deep copy, which kin-openapi then decodes as Parse would have decoded
// the edited text. TestGateOnMutatedRealSpec's unchanged copy checks that
// the decode of the tree is exactly Parse's.

// sharedTree returns the YAML tree of a file (see shared), which must not
// be changed.
func sharedTree(t *testing.T, name string) *yaml.Node {
	t.Helper()
	tree, err := readTree(shared(t, name)) // once per document: see cache_test.go
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tree
}

// copyTree returns a deep copy of n.
func copyTree(n *yaml.Node) *yaml.Node {
	if n.Alias != nil {
		panic("copyTree: the document has an alias") // a copy would lose what it shares
	}
	c := *n
	if n.Content != nil {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, child := range n.Content {
			c.Content[i] = copyTree(child)
		}
	}
	return &c
}

// parseTree decodes a document's tree, which it changes, as Parse decodes
// the document's text: kin-openapi's loader reads the text into such a
// tree, retags it as below, decodes it and resolves its references.
func parseTree(doc *yaml.Node) (*openapi3.T, error) {
	retag(doc)
	parsed := &openapi3.T{}
	if err := doc.Decode(parsed); err != nil {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	if err := openapi3.NewLoader().ResolveRefsIn(parsed, nil); err != nil {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	if parsed.Paths == nil || parsed.Paths.Len() == 0 {
		return nil, fmt.Errorf("the document has no paths")
	}
	return parsed, nil
}

// retag does what kin-openapi does to a tree before decoding it (its
// prepareScalars), for the documents of these tests, which have no
// anchors: a key is a string whatever it looks like, and so is a
// timestamp or a scalar with a tag of its own.
func retag(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!timestamp" || strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!")) {
		n.Tag = "!!str"
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode {
				k.Tag = "!!str"
			}
		}
	}
	for _, c := range n.Content {
		retag(c)
	}
}

// A change is an edit of a document's tree at a path of keys separated
// by dots ("paths./v1/api-key.get.security"), each a key of a mapping. It
// fails if the place it edits is not there, so that a mutation test
// cannot pass vacuously.
type change func(doc *yaml.Node) error

// parentOf returns the mapping that holds the last key of path, and that key.
func parentOf(doc *yaml.Node, path string) (*yaml.Node, string, error) {
	keys := strings.Split(path, ".")
	n := doc.Content[0]
	for _, k := range keys[:len(keys)-1] {
		if n = value(n, k); n == nil {
			return nil, "", fmt.Errorf("mutation target %s: no %s", path, k)
		}
	}
	if n.Kind != yaml.MappingNode {
		return nil, "", fmt.Errorf("mutation target %s: not in a mapping", path)
	}
	return n, keys[len(keys)-1], nil
}

// snippetNode parses a YAML snippet to the node of its value.
func snippetNode(snippet string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(snippet), &doc); err != nil {
		return nil, fmt.Errorf("snippet %q: %w", snippet, err)
	}
	return doc.Content[0], nil
}

// setAt sets the value at path to snippet, adding the key to its mapping
// if the mapping has none.
func setAt(path, snippet string) change {
	return func(doc *yaml.Node) error {
		m, key, err := parentOf(doc, path)
		if err != nil {
			return err
		}
		v, err := snippetNode(snippet)
		if err != nil {
			return err
		}
		for i := 0; i < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				m.Content[i+1] = v
				return nil
			}
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
		return nil
	}
}

// renameKey renames the last key of path, keeping its value and its place.
func renameKey(path, newKey string) change {
	return func(doc *yaml.Node) error {
		m, key, err := parentOf(doc, path)
		if err != nil {
			return err
		}
		for i := 0; i < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				m.Content[i].Value = newKey
				return nil
			}
		}
		return fmt.Errorf("mutation target %s not found", path)
	}
}

// insertAt puts snippet into the list at path, before its item i (at its
// end for i = -1).
func insertAt(path string, i int, snippet string) change {
	return func(doc *yaml.Node) error {
		m, key, err := parentOf(doc, path)
		if err != nil {
			return err
		}
		list := value(m, key)
		if list == nil || list.Kind != yaml.SequenceNode {
			return fmt.Errorf("mutation target %s is not a list", path)
		}
		item, err := snippetNode(snippet)
		if err != nil {
			return err
		}
		if i < 0 {
			i = len(list.Content)
		}
		list.Content = append(list.Content[:i:i], append([]*yaml.Node{item}, list.Content[i:]...)...)
		return nil
	}
}

// removeFrom takes the item equal to snippet out of the list at path.
func removeFrom(path, snippet string) change {
	return func(doc *yaml.Node) error {
		m, key, err := parentOf(doc, path)
		if err != nil {
			return err
		}
		list := value(m, key)
		if list == nil || list.Kind != yaml.SequenceNode {
			return fmt.Errorf("mutation target %s is not a list", path)
		}
		want, err := snippetNode(snippet)
		if err != nil {
			return err
		}
		for i, item := range list.Content {
			if sameTree(item, want) {
				list.Content = append(list.Content[:i:i], list.Content[i+1:]...)
				return nil
			}
		}
		return fmt.Errorf("mutation target %s has no item %s", path, snippet)
	}
}

// sameTree tells whether two trees hold the same values.
func sameTree(a, b *yaml.Node) bool {
	if a.Kind != b.Kind || a.Value != b.Value || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !sameTree(a.Content[i], b.Content[i]) {
			return false
		}
	}
	return true
}

// replaceIn replaces the first old in the text of the scalar at path.
func replaceIn(path, old, new string) change {
	return func(doc *yaml.Node) error {
		m, key, err := parentOf(doc, path)
		if err != nil {
			return err
		}
		s := value(m, key)
		if s == nil || s.Kind != yaml.ScalarNode || !strings.Contains(s.Value, old) {
			return fmt.Errorf("mutation target %q not found at %s", old, path)
		}
		s.Value = strings.Replace(s.Value, old, new, 1)
		return nil
	}
}

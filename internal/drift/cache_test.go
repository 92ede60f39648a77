package drift

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"
)

// The documents the tests share (Loops' specs and old contracts in
// testdata, openapi/loops.yaml) are read, and parsed, once per test
// binary: a parse of a 300 KB document is most of what a test of it costs,
// some 250 ms under -race. So is any document that Load or Propose parses
// more than once, as the end-to-end tests of Check, Update and
// WriteProposal do: the same spec as contract and as spec, or a changed
// copy that two tests write. What the cache hands out is never changed: the
// bytes are clipped, so that an append copies them, and edit returns a
// copy; the library only reads what parse and readTree return; a test that changes a
// parsed document parses its own (see TestContractTypeChangeFails); and
// each digest is made afresh from the shared parse by FromDocument, which
// only reads it.

func init() {
	parse = sharedParse
	read := readTree
	readTree = func(data []byte) (*yaml.Node, error) {
		load, _ := cached.LoadOrStore("tree "+string(data), sync.OnceValues(func() (*yaml.Node, error) { return read(data) }))
		return load.(func() (*yaml.Node, error))()
	}
}

// cached holds one loader per file name, and one parse per document.
var cached sync.Map // "bytes "+name → func() ([]byte, error); "doc "+data → func() (*openapi3.T, error); "tree "+data → func() (*yaml.Node, error)

// shared returns the bytes of a file of testdata, or of the repository
// through repoPath, gunzipped when the name ends in .gz. They must not be
// changed in place.
func shared(t *testing.T, name string) []byte {
	t.Helper()
	load, _ := cached.LoadOrStore("bytes "+name, sync.OnceValues(func() ([]byte, error) { return readMaybeGzipped(name) }))
	b, err := load.(func() ([]byte, error))()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sharedDoc returns the file's bytes and its parse, which must not be
// changed.
func sharedDoc(t *testing.T, name string) ([]byte, *openapi3.T) {
	t.Helper()
	raw := shared(t, name)
	doc, err := sharedParse(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return raw, doc
}

// sharedParse is Parse, once per distinct document; what it returns must
// not be changed.
func sharedParse(data []byte) (*openapi3.T, error) {
	load, _ := cached.LoadOrStore("doc "+string(data), sync.OnceValues(func() (*openapi3.T, error) { return Parse(data) }))
	return load.(func() (*openapi3.T, error))()
}

// sharedDigest returns a new digest of the file, from its shared parse.
func sharedDigest(t *testing.T, name string) *Digest {
	t.Helper()
	raw, doc := sharedDoc(t, name)
	return FromDocument(doc, raw)
}

// repoPath names a file of the repository, relative to its root.
func repoPath(name string) string { return "../../" + name }

func readMaybeGzipped(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if err != nil || !strings.HasSuffix(name, ".gz") {
		return slices.Clip(b), err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	b, err = io.ReadAll(zr)
	return slices.Clip(b), err
}

// The names of the shared documents.
const (
	spec1_21_14  = "testdata/loops-openapi-1.21.14.yaml.gz"
	spec1_21_6   = "testdata/loops-openapi-1.21.6.yaml.gz"
	contractF666 = "testdata/loops-contract-f666b6b.yaml.gz" // the contract before it carried the url fields
)

package loops

import (
	"fmt"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/loopsdev/loops-go/openapi"
)

// contractDoc parses and validates openapi/loops.yaml once for the whole
// test binary: a parse costs about 0.3 s of CPU under the race detector,
// and several tests read the contract. Tests only read the document.
var contractDoc = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Spec())
	if err != nil {
		return nil, fmt.Errorf("loading the contract: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the contract is invalid: %w", err)
	}
	return doc, nil
})

// Contract is the parsed contract, for the tests of package loops_test
// (this file is compiled only into the test binary).
func Contract(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := contractDoc()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

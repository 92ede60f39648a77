package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/loopsdev/loops-go/openapi"
)

// loadContract returns the embedded contract, parsed, and fails the test
// unless it is a structurally valid OpenAPI document. Examples are checked
// separately by TestContractIsValid, so a bad example does not hide every
// other finding. The document is parsed and validated once per test
// binary (parsing it is most of what these tests cost) and shared: tests
// only read it.
func loadContract(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := sharedContract()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

var sharedContract = sync.OnceValues(parseContract)

// parseContract parses the embedded contract into a new document and
// validates its structure.
func parseContract() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Spec())
	if err != nil {
		return nil, fmt.Errorf("loading openapi/loops.yaml: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("openapi/loops.yaml is not a valid OpenAPI document: %w", err)
	}
	return doc, nil
}

// endpoint is where an operation lives.
type endpoint struct{ method, path string }

func (e endpoint) String() string { return e.method + " " + e.path }

// idempotentOperations are the only operations that take an Idempotency-Key.
var idempotentOperations = []string{"sendEvent", "sendTransactionalEmail"}

// contractOperation is one operation of the contract with its location.
type contractOperation struct {
	endpoint
	op *openapi3.Operation
}

// operationsOf lists every operation in doc, sorted by path and method.
func operationsOf(doc *openapi3.T) []contractOperation {
	var ops []contractOperation
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, contractOperation{endpoint{method, path}, op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	return ops
}

// operationByID finds an operation by its operationId or fails the test.
func operationByID(t *testing.T, doc *openapi3.T, id string) *openapi3.Operation {
	t.Helper()
	for _, o := range operationsOf(doc) {
		if o.op.OperationID == id {
			return o.op
		}
	}
	t.Fatalf("no operation %q in the contract", id)
	return nil
}

func TestContractIsValid(t *testing.T) {
	doc := loadContract(t)
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Errorf("an example in openapi/loops.yaml does not match its schema: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi version = %q, want 3.0.3 (the generator and the fake server expect 3.0 semantics)", doc.OpenAPI)
	}
}

// TestContractOperationSet checks that every operation has a unique
// operationId. Which operations the contract has is the drift gate's
// business (make drift): it fails on any upstream operation the contract
// lacks, and on any it adds without a reviewed reason.
func TestContractOperationSet(t *testing.T) {
	doc := loadContract(t)
	got := map[string]endpoint{}
	for _, o := range operationsOf(doc) {
		if o.op.OperationID == "" {
			t.Errorf("%s has no operationId", o)
			continue
		}
		if prev, dup := got[o.op.OperationID]; dup {
			t.Errorf("operationId %q is used by both %s and %s", o.op.OperationID, prev, o)
		}
		got[o.op.OperationID] = o.endpoint
	}
	if len(got) < 14 {
		t.Errorf("the contract has %d operations; the 14 classic ones at least are expected", len(got))
	}
}

func TestContractOperationRules(t *testing.T) {
	doc := loadContract(t)

	declaredTags := map[string]bool{}
	for _, tag := range doc.Tags {
		declaredTags[tag.Name] = true
	}

	for _, o := range operationsOf(doc) {
		name := o.op.OperationID + " (" + o.String() + ")"
		t.Run(o.op.OperationID, func(t *testing.T) {
			if len(o.op.Tags) == 0 {
				t.Errorf("%s has no tag", name)
			}
			for _, tag := range o.op.Tags {
				if !declaredTags[tag] {
					t.Errorf("%s uses tag %q, which the document does not declare", name, tag)
				}
			}
			if strings.TrimSpace(o.op.Summary) == "" {
				t.Errorf("%s has no summary", name)
			}
			if strings.TrimSpace(o.op.Description) == "" {
				t.Errorf("%s has no description", name)
			}
			checkRateLimitResponse(t, name, o.op)
			if o.op.Responses.Value("5XX") == nil {
				t.Errorf("%s declares no 5XX response (responses: %v)", name, o.op.Responses.Keys())
			}
		})
	}
}

// checkRateLimitResponse requires a 429 response that carries the rate-limit headers.
func checkRateLimitResponse(t *testing.T, name string, op *openapi3.Operation) {
	t.Helper()
	ref := op.Responses.Value("429")
	if ref == nil || ref.Value == nil {
		t.Errorf("%s declares no 429 response (responses: %v)", name, op.Responses.Keys())
		return
	}
	for _, h := range []string{"x-ratelimit-limit", "x-ratelimit-remaining"} {
		header, ok := ref.Value.Headers[h]
		if !ok || header.Value == nil {
			t.Errorf("%s: the 429 response does not declare the %s header", name, h)
			continue
		}
		if s := header.Value.Schema; s == nil || s.Value == nil || !s.Value.Type.Is(openapi3.TypeInteger) {
			t.Errorf("%s: the 429 %s header should be an integer", name, h)
		}
	}
}

func TestContractIdempotencyKey(t *testing.T) {
	doc := loadContract(t)

	var withKey []string
	for _, o := range operationsOf(doc) {
		for _, p := range o.op.Parameters {
			if p.Value == nil || !strings.EqualFold(p.Value.Name, "Idempotency-Key") {
				continue
			}
			withKey = append(withKey, o.op.OperationID)
			param := p.Value
			if param.In != openapi3.ParameterInHeader {
				t.Errorf("%s: Idempotency-Key is in %q, want header", o.op.OperationID, param.In)
			}
			if param.Name != "Idempotency-Key" {
				t.Errorf("%s: header is spelt %q, want Idempotency-Key", o.op.OperationID, param.Name)
			}
			if param.Required {
				t.Errorf("%s: Idempotency-Key must stay optional", o.op.OperationID)
			}
			s := param.Schema.Value
			if s.MaxLength == nil {
				t.Errorf("%s: Idempotency-Key has no maxLength, want 100", o.op.OperationID)
			} else if *s.MaxLength != 100 {
				t.Errorf("%s: Idempotency-Key maxLength = %d, want 100", o.op.OperationID, *s.MaxLength)
			}
			if err := s.VisitJSON(strings.Repeat("k", 100)); err != nil {
				t.Errorf("%s: a 100-character key should be accepted: %v", o.op.OperationID, err)
			}
			if err := s.VisitJSON(strings.Repeat("k", 101)); err == nil {
				t.Errorf("%s: a 101-character key should be rejected", o.op.OperationID)
			}
		}
	}
	sort.Strings(withKey)
	if !slices.Equal(withKey, idempotentOperations) {
		t.Errorf("operations with an Idempotency-Key header = %v, want exactly %v", withKey, idempotentOperations)
	}
}

// schemaCase is one JSON value and whether a schema must accept it.
type schemaCase struct {
	name   string
	json   string
	accept bool
}

// checkSchema runs every case through schema.VisitJSON, decoding the JSON
// first so the values have the types a real request body would have.
func checkSchema(t *testing.T, what string, schema *openapi3.Schema, cases []schemaCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var value any
			if err := json.Unmarshal([]byte(tc.json), &value); err != nil {
				t.Fatalf("bad test JSON %s: %v", tc.json, err)
			}
			err := schema.VisitJSON(value)
			switch {
			case tc.accept && err != nil:
				t.Errorf("%s should accept %s, but rejects it: %v", what, tc.json, err)
			case !tc.accept && err == nil:
				t.Errorf("%s should reject %s, but accepts it", what, tc.json)
			}
		})
	}
}

// componentSchema returns a named schema from components or fails the test.
func componentSchema(t *testing.T, doc *openapi3.T, name string) *openapi3.Schema {
	t.Helper()
	ref, ok := doc.Components.Schemas[name]
	if !ok || ref.Value == nil {
		t.Fatalf("components.schemas.%s is missing", name)
	}
	return ref.Value
}

// requestSchema returns the application/json request body schema of an operation.
func requestSchema(t *testing.T, doc *openapi3.T, operationID string) *openapi3.Schema {
	t.Helper()
	op := operationByID(t, doc, operationID)
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		t.Fatalf("%s has no request body", operationID)
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		t.Fatalf("%s has no application/json request schema", operationID)
	}
	return mt.Schema.Value
}

// queryParamSchema returns the schema of an operation's query parameter.
func queryParamSchema(t *testing.T, doc *openapi3.T, operationID, name string) *openapi3.Schema {
	t.Helper()
	p := operationByID(t, doc, operationID).Parameters.GetByInAndName(openapi3.ParameterInQuery, name)
	if p == nil || p.Schema == nil || p.Schema.Value == nil {
		t.Fatalf("%s has no query parameter %q", operationID, name)
	}
	return p.Schema.Value
}

func TestContractSchemaRules(t *testing.T) {
	doc := loadContract(t)

	t.Run("ContactDeleteRequest takes exactly one identifier", func(t *testing.T) {
		checkSchema(t, "ContactDeleteRequest", requestSchema(t, doc, "deleteContact"), []schemaCase{
			{"email only", `{"email":"alex@example.com"}`, true},
			{"userId only", `{"userId":"usr_1"}`, true},
			{"both", `{"email":"alex@example.com","userId":"usr_1"}`, false},
			{"neither", `{}`, false},
			{"empty email", `{"email":""}`, false},
		})
	})

	t.Run("ContactUpdateRequest needs at least one identifier", func(t *testing.T) {
		checkSchema(t, "ContactUpdateRequest", requestSchema(t, doc, "updateContact"), []schemaCase{
			{"email", `{"email":"alex@example.com","firstName":"Alex"}`, true},
			{"userId", `{"userId":"usr_1","lastName":null}`, true},
			{"both", `{"email":"new@example.com","userId":"usr_1"}`, true},
			{"neither", `{"firstName":"Alex"}`, false},
			{"empty object", `{}`, false},
		})
	})

	t.Run("EventRequest needs at least one identifier", func(t *testing.T) {
		checkSchema(t, "EventRequest", requestSchema(t, doc, "sendEvent"), []schemaCase{
			{"email", `{"email":"alex@example.com","eventName":"signup"}`, true},
			{"userId", `{"userId":"usr_1","eventName":"signup"}`, true},
			{"both", `{"email":"alex@example.com","userId":"usr_1","eventName":"signup"}`, true},
			{"neither", `{"eventName":"signup"}`, false},
			{"no eventName", `{"email":"alex@example.com"}`, false},
		})
	})

	propertyValueCases := []schemaCase{
		{"string", `"pro"`, true},
		{"empty string", `""`, true},
		{"number", `42.5`, true},
		{"integer", `3`, true},
		{"true", `true`, true},
		{"false", `false`, true},
		{"null clears", `null`, true},
		{"object", `{"tier":"pro"}`, false},
		{"array", `["a","b"]`, false},
	}
	t.Run("PropertyValue", func(t *testing.T) {
		checkSchema(t, "PropertyValue", componentSchema(t, doc, "PropertyValue"), propertyValueCases)
	})
	// The same rule must hold where custom properties really appear: as extra
	// top-level keys of the contact and event request bodies.
	for _, op := range []struct{ id, base string }{
		{"createContact", `"email":"alex@example.com"`},
		{"updateContact", `"userId":"usr_1"`},
		{"sendEvent", `"email":"alex@example.com","eventName":"signup"`},
	} {
		t.Run("custom property in "+op.id, func(t *testing.T) {
			var cases []schemaCase
			for _, pv := range propertyValueCases {
				cases = append(cases, schemaCase{pv.name, `{` + op.base + `,"planName":` + pv.json + `}`, pv.accept})
			}
			checkSchema(t, op.id+" request body", requestSchema(t, doc, op.id), cases)
		})
	}

	t.Run("MailingList.description is nullable", func(t *testing.T) {
		checkSchema(t, "MailingList", componentSchema(t, doc, "MailingList"), []schemaCase{
			{"null description", `{"id":"l1","name":"News","description":null,"isPublic":true}`, true},
			{"text description", `{"id":"l1","name":"News","description":"Monthly","isPublic":false}`, true},
			{"missing description", `{"id":"l1","name":"News","isPublic":true}`, false},
			{"numeric description", `{"id":"l1","name":"News","description":7,"isPublic":true}`, false},
		})
	})

	t.Run("perPage is an integer from 10 to 50", func(t *testing.T) {
		checkSchema(t, "perPage", queryParamSchema(t, doc, "listPublishedTransactionalEmails", "perPage"), []schemaCase{
			{"9", `9`, false},
			{"10", `10`, true},
			{"20", `20`, true},
			{"50", `50`, true},
			{"51", `51`, false},
			{"fraction", `20.5`, false},
			{"string", `"20"`, false},
		})
	})
}

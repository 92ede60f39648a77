package loops

import (
	"encoding/json"

	"github.com/loopsdev/loops-go/gen"
)

// Plain twins of the generated request types that carry extra top-level
// keys: the same fields and JSON tags, without the generated MarshalJSON.
// That method exists only to merge AdditionalProperties into the object, and
// it builds a map of every field on each call (about 5× the time and 3× the
// allocations of encoding/json's struct encoder). Without extra keys, a twin
// encodes the same JSON (an empty map is left out rather than sent as {},
// which Loops reads the same way).
type (
	plainContactCreateRequest gen.ContactCreateRequest
	plainContactUpdateRequest gen.ContactUpdateRequest
	plainEventRequest         gen.EventRequest
)

const jsonContentType = "application/json"

// requestBody is a generated request model: gen writes a Validate method,
// from the contract's rules, for each.
type requestBody[B any] interface {
	*B
	Validate() error
}

// encodeBody checks a request body and encodes it once, before the first
// attempt, so that every attempt sends the same bytes. A nil body, a
// field that breaks the contract's rules, or an unencodable value (such as
// a NaN number) is a *ValidationError: nothing is sent.
func encodeBody[B any, PB requestBody[B]](op string, body PB) ([]byte, error) {
	if body == nil {
		return nil, invalid(op, "request", "is nil")
	}
	if err := body.Validate(); err != nil {
		return nil, fieldInvalid(op, err)
	}
	b, err := json.Marshal(plainForm(body))
	if err != nil {
		return nil, invalid(op, "request", "cannot be encoded as JSON: "+err.Error())
	}
	return b, nil
}

// plainForm returns the fast plain twin of the three request types that
// carry extra keys, when they have none.
func plainForm(body any) any {
	switch b := body.(type) {
	case *gen.ContactCreateRequest:
		if len(b.AdditionalProperties) == 0 {
			return (*plainContactCreateRequest)(b)
		}
	case *gen.ContactUpdateRequest:
		if len(b.AdditionalProperties) == 0 {
			return (*plainContactUpdateRequest)(b)
		}
	case *gen.EventRequest:
		if len(b.AdditionalProperties) == 0 {
			return (*plainEventRequest)(b)
		}
	}
	return body
}

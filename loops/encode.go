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

// encodeBody encodes a request body once, before the first attempt: with
// the fast plain twin when there are no extra keys, else with the
// generated marshaller that merges them. An unencodable value (such as a
// NaN number) is a ValidationError: nothing is sent.
func encodeBody(op string, extra map[string]any, plain any, full json.Marshaler) ([]byte, error) {
	var (
		body []byte
		err  error
	)
	if len(extra) == 0 {
		body, err = json.Marshal(plain)
	} else {
		body, err = full.MarshalJSON()
	}
	if err != nil {
		return nil, invalid(op, "request", "cannot be encoded as JSON: "+err.Error())
	}
	return body, nil
}

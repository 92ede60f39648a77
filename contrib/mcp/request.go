package loopsmcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// plan is the exact request one call of an operation would send.
type plan struct {
	op   *Operation
	path string          // relative to the base URL, with parameters and query: /v1/contacts/find?email=...
	body json.RawMessage // nil: no body
	key  string          // Idempotency-Key, for keyed operations

	pathParams map[string]string // unescaped, for validation
}

// newPlan builds the request for op from the agent's input (the
// operation's input schema: parameters by name, the body as "body").
// Input that cannot make a request at all is an error; input that makes
// one the contract refuses is caught by validate.
func newPlan(op *Operation, input map[string]json.RawMessage) (*plan, error) {
	known := []string{"body"}
	for _, p := range op.params {
		known = append(known, p.name)
	}
	for name := range input {
		if !slices.Contains(known, name) || (name == "body" && !op.hasBody) {
			return nil, fmt.Errorf("input has no field %q; %s takes %s (see describe_operation)", name, op.Name, fieldList(op))
		}
	}
	p := &plan{op: op, pathParams: map[string]string{}}
	path := op.Path
	query := url.Values{}
	for _, prm := range op.params {
		raw, ok := input[prm.name]
		if !ok || string(raw) == "null" {
			if prm.required {
				return nil, fmt.Errorf("input.%s is required", prm.name)
			}
			continue
		}
		v, err := scalar(raw)
		if err != nil {
			return nil, fmt.Errorf("input.%s: %w", prm.name, err)
		}
		if prm.in == openapi3.ParameterInPath {
			if v == "" || v == "." || v == ".." {
				return nil, fmt.Errorf("input.%s must be an ID, not %q", prm.name, v)
			}
			path = strings.Replace(path, "{"+prm.name+"}", url.PathEscape(v), 1)
			p.pathParams[prm.name] = v
			continue
		}
		query.Set(prm.name, v)
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	p.path = path
	if raw, ok := input["body"]; ok && string(raw) != "null" {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("input.body is not JSON: %w", err)
		}
		p.body = buf.Bytes()
	} else if op.bodyRequired {
		return nil, errors.New("input.body is required")
	}
	return p, nil
}

// fieldList names an operation's input fields for a message.
func fieldList(op *Operation) string {
	var names []string
	for _, p := range op.params {
		names = append(names, p.name)
	}
	if op.hasBody {
		names = append(names, "body")
	}
	if len(names) == 0 {
		return "no input"
	}
	return strings.Join(names, ", ")
}

// scalar renders a parameter value as it goes on the wire.
func scalar(raw json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return fmt.Sprint(v), nil
	}
	return "", errors.New("must be a string, number or boolean")
}

// validate checks the planned request against the contract, exactly as
// the loopstest fake checks what it receives: parameters, body schema,
// required fields, formats. It returns nil for a valid request.
func (p *plan) validate(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, p.op.Method, "http://loops.invalid"+p.path, bytes.NewReader(p.body))
	if err != nil {
		return err
	}
	if p.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.key != "" {
		req.Header.Set("Idempotency-Key", p.key)
	}
	err = openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: p.pathParams,
		Route:      p.op.route,
		Options: &openapi3filter.Options{
			MultiError:              true,
			SkipSettingDefaults:     true, // validate what would be sent, unchanged
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	})
	if err != nil {
		return errors.New(flatten(err))
	}
	return nil
}

// flatten makes kin-openapi's nested errors one line per problem.
func flatten(err error) string {
	if multi, ok := err.(openapi3.MultiError); ok {
		parts := make([]string, 0, len(multi))
		for _, e := range multi {
			parts = append(parts, flatten(e))
		}
		return strings.Join(parts, "; ")
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

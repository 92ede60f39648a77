package loopstest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/loopsdev/loops-go/openapi"
)

// apiPrefix is where the contract's operations live on the fake, matching
// Loops' base URL https://app.loops.so/api.
const apiPrefix = "/api"

// contract is the loaded OpenAPI document and its routes. It is read-only
// once loaded, so every server in the process shares one.
type contract struct {
	doc    *openapi3.T
	routes []*routers.Route // fewest path parameters first
}

// route is the contract operation a request maps to.
type route struct {
	*routers.Route
	params map[string]string
	opID   string
}

var (
	contractOnce sync.Once
	shared       *contract
	contractErr  error
)

// loadContract parses openapi.Spec() once per process; parsing and
// validating the document is the slowest part of building a server.
func loadContract() (*contract, error) {
	contractOnce.Do(func() { shared, contractErr = parseContract(openapi.Spec()) })
	return shared, contractErr
}

func parseContract(yaml []byte) (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(yaml)
	if err != nil {
		return nil, fmt.Errorf("loading the contract: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the contract is invalid: %w", err)
	}
	c := &contract{doc: doc}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			c.routes = append(c.routes, &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op})
		}
	}
	slices.SortFunc(c.routes, func(a, b *routers.Route) int {
		return cmp.Or(strings.Count(a.Path, "{")-strings.Count(b.Path, "{"), strings.Compare(a.Path, b.Path), strings.Compare(a.Method, b.Method))
	})
	return c, nil
}

// content reports whether an operation counts against the content API's
// budget: its tag, or the operation itself, says x-loops-content-api.
func (c *contract) content(rt *route) bool {
	if v, ok := rt.Operation.Extensions["x-loops-content-api"].(bool); ok {
		return v
	}
	for _, name := range rt.Operation.Tags {
		if tag := c.doc.Tags.Get(name); tag != nil && tag.Extensions["x-loops-content-api"] == true {
			return true
		}
	}
	return false
}

// find maps a request to its operation.
func (c *contract) find(r *http.Request) (*route, error) {
	routes := c.matching(r.URL.EscapedPath())
	for _, rt := range routes {
		if rt.Method == r.Method {
			return rt, nil
		}
	}
	if len(routes) > 0 {
		return nil, routers.ErrMethodNotAllowed
	}
	return nil, routers.ErrPathNotFound
}

// matching lists the operations on an escaped request path, whatever
// their method. It matches the path segment by segment, so that an ID
// holding "/" (sent as %2F) stays one parameter, and unescapes each
// parameter value only once it is matched.
func (c *contract) matching(escaped string) (out []*route) {
	path, ok := strings.CutPrefix(escaped, apiPrefix)
	for _, rt := range c.routes {
		if params, match := matchPath(rt.Path, path); ok && match {
			out = append(out, &route{Route: rt, params: params, opID: rt.Operation.OperationID})
		}
	}
	return out
}

// matchPath matches an escaped request path against a contract path such
// as /v1/campaigns/{campaignId}, returning the unescaped parameters.
func matchPath(template, path string) (map[string]string, bool) {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return nil, false
	}
	params := map[string]string{}
	for i, t := range ts {
		name, isParam := strings.CutPrefix(t, "{")
		if !isParam {
			if t != ps[i] {
				return nil, false
			}
			continue
		}
		v, err := url.PathUnescape(ps[i])
		if err != nil || v == "" {
			return nil, false
		}
		params[strings.TrimSuffix(name, "}")] = v
	}
	return params, true
}

// validationOptions are fresh per call, so no two requests share state.
func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		// The fake must see the request exactly as the client sent it.
		SkipSettingDefaults: true,
		AuthenticationFunc:  anyBearer,
		// Without this every message carries the whole schema and value.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
}

// anyBearer satisfies the contract's security requirement with any bearer
// token: whether it is the right key is the handler's business (401), while
// a request without one breaks the contract.
func anyBearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if _, ok := bearer(in.RequestValidationInput.Request); !ok {
		return errors.New(`no "Authorization: Bearer <API key>" header`)
	}
	return nil
}

// input is what kin-openapi validates of a request to rt.
func (rt *route) input(r *http.Request) *openapi3filter.RequestValidationInput {
	return &openapi3filter.RequestValidationInput{Request: r, PathParams: rt.params, Route: rt.Route, Options: validationOptions()}
}

// checkRequest validates a request against its operation. It returns ""
// for a valid request, and otherwise the reason, after reporting it.
// Validation ignores cancellation: a request processed for ProcessThenDrop
// is checked even when its client has already given up.
func (s *Server) checkRequest(r *http.Request, rt *route) string {
	err := openapi3filter.ValidateRequest(context.WithoutCancel(r.Context()), rt.input(r))
	if err == nil {
		return ""
	}
	reason := describe(err)
	s.violation("loopstest: contract violation: request to %s (%s %s): %s", rt.opID, r.Method, r.URL.Path, reason)
	return reason
}

// checkResponse validates an answer of the fake; a failure is a bug in the
// fake (or in the contract) and is reported as a violation.
func (s *Server) checkResponse(r *http.Request, rt *route, resp *response) {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: rt.input(r),
		Status:                 resp.status,
		Header:                 resp.header,
		Body:                   io.NopCloser(bytes.NewReader(resp.body)),
		Options:                validationOptions(),
	}
	if err := openapi3filter.ValidateResponse(context.WithoutCancel(r.Context()), in); err != nil {
		s.violation("loopstest: contract violation by the fake: %d response to %s (%s %s): %s",
			resp.status, rt.opID, r.Method, r.URL.Path, describe(err))
	}
}

// noRoute answers a request whose path or method the contract lacks, and
// reports it: a client built from the contract never sends one.
func (s *Server) noRoute(r *http.Request, err error) *response {
	key, _ := bearer(r)
	rate := s.cfg.rate.peek(key, s.now())
	if errors.Is(err, routers.ErrMethodNotAllowed) {
		var allowed []string
		for _, rt := range s.contract.matching(r.URL.EscapedPath()) {
			allowed = append(allowed, rt.Method)
		}
		slices.Sort(allowed)
		s.violation("loopstest: contract violation: %s %s: the contract allows only %s on this path",
			r.Method, r.URL.Path, strings.Join(allowed, ", "))
		resp := failure(http.StatusMethodNotAllowed, "Method not allowed")
		resp.header.Set("Allow", strings.Join(allowed, ", "))
		return resp.withRate(rate)
	}
	s.violation("loopstest: contract violation: %s %s: no operation in the contract has this path",
		r.Method, r.URL.Path)
	return failure(http.StatusNotFound, "Not found").withRate(rate)
}

// describe flattens kin-openapi's errors into one line per problem. Each
// line names the parameter or the body field at fault, as kin-openapi does.
func describe(err error) string {
	// A type switch, not errors.As: a RequestError wraps a MultiError of
	// its own, and unwrapping it would lose the parameter's name.
	if multi, ok := err.(openapi3.MultiError); ok {
		parts := make([]string, 0, len(multi))
		for _, e := range multi {
			parts = append(parts, describe(e))
		}
		return strings.Join(parts, "; ")
	}
	if sec, ok := err.(*openapi3filter.SecurityRequirementsError); ok {
		return "security: " + errors.Join(sec.Errors...).Error()
	}
	return strings.ReplaceAll(err.Error(), "\n", " ") + alternatives(err)
}

// alternatives spells out the field sets of a failed oneOf or anyOf, such
// as the "email or userId" rules, which kin-openapi reports without naming
// any field.
func alternatives(err error) string {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) || se.Schema == nil {
		return ""
	}
	var refs openapi3.SchemaRefs
	var rule string
	switch se.SchemaField {
	case "oneOf":
		refs, rule = se.Schema.OneOf, "exactly one of"
	case "anyOf":
		refs, rule = se.Schema.AnyOf, "at least one of"
	default:
		return ""
	}
	var sets []string
	for _, ref := range refs {
		if ref.Value != nil && len(ref.Value.Required) > 0 {
			sets = append(sets, strings.Join(ref.Value.Required, " and "))
		}
	}
	if len(sets) == 0 {
		return ""
	}
	return fmt.Sprintf(" (the contract requires %s: %s)", rule, strings.Join(sets, ", "))
}

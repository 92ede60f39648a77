package loopstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// The generic store serves every content resource (campaigns, groups,
// email messages, themes, workflows, ...) from one implementation: each
// resource is a JSON object, and the contract's operations on a collection
// path are served by shape, as stripe-mock does, but with state:
//
//	GET  /v1/things             list, with Loops' cursor pagination
//	POST /v1/things             create: the body's fields, an id, timestamps
//	GET  /v1/things/{id}        get (404 for an unknown id)
//	POST /v1/things/{id}        partial update, with expectedRevisionId
//	GET  /v1/things/{id}/metrics a report: zeros until set (SetReport)
//
// Answers are the stored object projected onto the operation's answer
// schema, required fields the object lacks filled with zero values, and
// checked against the contract like every other answer. A kind holds the
// few rules that make a resource special; operations of other shapes have
// their own handlers in the operations table.

// kind describes one resource collection.
type kind struct {
	// path is the collection path, such as "/v1/campaigns".
	path string
	// noun names the resource in messages, such as "Campaign".
	noun string
	// revision names the answer field that holds the resource's revision,
	// which expectedRevisionId must match; "" when it has none.
	revision string
	// create and update apply the resource's own rules. They run with the
	// server locked, before the object is stored, and may change it or
	// refuse the request. patch is the decoded request body.
	create func(s *Server, c *call, obj object) *response
	update func(s *Server, c *call, obj, patch object) *response
	// report may refuse to read a report of the object (its metrics, say).
	report func(obj object) *response
}

// object is a stored resource: its JSON fields.
type object = map[string]any

// collection is the stored resources of one kind, in creation order.
type collection struct {
	order []string
	byID  map[string]object
}

// kinds maps collection paths to their kinds; content.go and workflows.go
// register theirs.
var kinds = map[string]*kind{}

func register(k *kind) *kind {
	kinds[k.path] = k
	return k
}

// storeOp finds the generic handler for a route: its kind, and which of
// the five shapes it has. ok is false for operations of other shapes.
func storeOp(rt *route) (k *kind, shape string, ok bool) {
	segs := strings.Split(rt.Path, "/")
	for n := len(segs); n >= 3; n-- {
		if k = kinds[strings.Join(segs[:n], "/")]; k == nil {
			continue
		}
		switch rest := strings.Join(segs[n:], "/"); {
		case rest == "" && rt.Method == http.MethodGet:
			return k, "list", true
		case rest == "" && rt.Method == http.MethodPost:
			return k, "create", true
		case isParam(rest) && rt.Method == http.MethodGet:
			return k, "get", true
		case isParam(rest) && rt.Method == http.MethodPost:
			return k, "update", true
		case rt.Method == http.MethodGet && strings.Count(rest, "/") == 1 && isParam(strings.Split(rest, "/")[0]) && !isParam(strings.Split(rest, "/")[1]):
			return k, "report", true
		}
		return nil, "", false
	}
	return nil, "", false
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && !strings.Contains(seg, "/") }

// serveStore runs a generic operation.
func (s *Server) serveStore(rt *route, c *call, k *kind, shape string) *response {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.pathID(rt)
	switch shape {
	case "list":
		return s.listObjects(rt, c, k)
	case "create":
		patch, bad := decodeObject(c.body)
		if bad != nil {
			return bad
		}
		obj := s.newObject(k, patch, c.now)
		if k.create != nil {
			if bad := k.create(s, c, obj); bad != nil {
				return bad
			}
		}
		s.put(k, obj)
		return s.answer(rt, obj)
	}
	obj, bad := s.object(k, id)
	if bad != nil {
		return bad
	}
	switch shape {
	case "update":
		patch, bad := decodeObject(c.body)
		if bad != nil {
			return bad
		}
		if bad := s.applyPatch(c, k, obj, patch); bad != nil {
			return bad
		}
	case "report":
		if k.report != nil {
			if bad := k.report(obj); bad != nil {
				return bad
			}
		}
		if m, ok := s.reports[strings.TrimPrefix(c.r.URL.EscapedPath(), apiPrefix)]; ok {
			return s.answer(rt, m)
		}
		return s.answer(rt, object{})
	}
	return s.answer(rt, obj)
}

// applyPatch checks the revision, runs the kind's rules and merges patch
// into obj: a field set to null is cleared, an object merges key by key
// (null removing a key), anything else replaces. The caller holds s.mu.
func (s *Server) applyPatch(c *call, k *kind, obj, patch object) *response {
	if bad := s.checkRevision(k, obj, patch); bad != nil {
		return bad
	}
	delete(patch, "expectedRevisionId")
	if k.update != nil {
		if bad := k.update(s, c, obj, patch); bad != nil {
			return bad
		}
	}
	merge(obj, patch)
	s.touch(k, obj, c.now)
	return nil
}

func merge(obj, patch object) {
	for key, v := range patch {
		sub, isObj := v.(map[string]any)
		have, hadObj := obj[key].(map[string]any)
		if isObj && hadObj {
			for sk, sv := range sub {
				if sv == nil {
					delete(have, sk)
				} else {
					have[sk] = sv
				}
			}
			continue
		}
		obj[key] = v
	}
}

// checkRevision refuses a write whose expectedRevisionId is not the
// object's current revision, with Loops' message.
func (s *Server) checkRevision(k *kind, obj, patch object) *response {
	want, sent := patch["expectedRevisionId"]
	if k.revision == "" || !sent {
		return nil
	}
	if have := obj[k.revision]; want != have {
		return failure(http.StatusConflict, fmt.Sprintf("%s mismatch. Latest %s is %v. Refetch and retry.", k.revision, k.revision, orNull(have)))
	}
	return nil
}

func orNull(v any) any {
	if v == nil {
		return "null"
	}
	return v
}

// newObject starts a resource from a create request's fields.
func (s *Server) newObject(k *kind, fields object, now time.Time) object {
	obj := cloneMap(fields)
	s.seq++
	obj["id"] = fmt.Sprintf("lt%s%06d", strings.ToLower(k.noun[:min(3, len(k.noun))]), s.seq)
	obj["createdAt"] = stamp(now)
	s.touch(k, obj, now)
	return obj
}

// touch marks obj as changed now, with a new revision.
func (s *Server) touch(k *kind, obj object, now time.Time) {
	obj["updatedAt"] = stamp(now)
	if k.revision != "" {
		s.seq++
		obj[k.revision] = fmt.Sprintf("rev%06d", s.seq)
	}
}

func stamp(t time.Time) string { return t.UTC().Format(lastUpdatedLayout) }

// put stores obj in its kind's collection. The caller holds s.mu.
func (s *Server) put(k *kind, obj object) {
	col := s.collection(k)
	id := obj["id"].(string)
	if _, ok := col.byID[id]; !ok {
		col.order = append(col.order, id)
	}
	col.byID[id] = obj
}

func (s *Server) collection(k *kind) *collection {
	col := s.store[k.path]
	if col == nil {
		col = &collection{byID: map[string]object{}}
		s.store[k.path] = col
	}
	return col
}

// object finds a stored resource, or answers 404 as Loops does.
func (s *Server) object(k *kind, id string) (object, *response) {
	if obj, ok := s.collection(k).byID[id]; ok {
		return obj, nil
	}
	return nil, failure(http.StatusNotFound, k.noun+" not found")
}

// pathID is the first path parameter of a route: the resource's id.
func (s *Server) pathID(rt *route) string {
	segs := strings.Split(rt.Path, "/")
	for _, seg := range segs {
		if isParam(seg) {
			return rt.params[strings.Trim(seg, "{}")]
		}
	}
	return ""
}

// listObjects answers a list, newest first, with Loops' pagination.
func (s *Server) listObjects(rt *route, c *call, k *kind) *response {
	col := s.collection(k)
	ids := slices.Clone(col.order)
	slices.Reverse(ids)
	items := make([]any, len(ids))
	for i, id := range ids {
		items[i] = col.byID[id]
	}
	return s.page(rt, c, ids, items)
}

// page answers one page of items (whose ids are given in the same order)
// with the {pagination, data} envelope.
func (s *Server) page(rt *route, c *call, ids []string, items []any) *response {
	q := c.r.URL.Query()
	perPage, bad := perPageOf(q)
	if bad != nil {
		return bad
	}
	start := 0
	if cur := q.Get("cursor"); cur != "" {
		if start = slices.Index(ids, decodeCursor(cur)); start < 0 {
			return failure(http.StatusBadRequest, "Invalid cursor.")
		}
	}
	end := min(start+perPage, len(ids))
	p := pagination{TotalResults: len(ids), ReturnedResults: end - start, PerPage: perPage, TotalPages: (len(ids) + perPage - 1) / perPage}
	if end < len(ids) {
		next := encodeCursor(ids[end])
		nextPage := nextPageURL(c.r, next, perPage)
		p.NextCursor, p.NextPage = &next, &nextPage
	}
	return s.answer(rt, object{"pagination": p, "data": items[start:end]})
}

// answer projects v onto the operation's success schema and answers with
// the operation's success status.
func (s *Server) answer(rt *route, v any) *response {
	status, schema := successOf(rt.Operation)
	if schema == nil {
		return &response{status: status, header: http.Header{}}
	}
	return newJSON(status, project(asJSON(v), schema.Value, s.now()))
}

// successOf returns an operation's lowest 2xx status and its JSON schema.
func successOf(op *openapi3.Operation) (int, *openapi3.SchemaRef) {
	codes := slices.Sorted(func(yield func(string) bool) {
		for code := range op.Responses.Map() {
			if strings.HasPrefix(code, "2") && !yield(code) {
				return
			}
		}
	})
	for _, code := range codes {
		var status int
		fmt.Sscan(code, &status)
		resp := op.Responses.Value(code).Value
		if mt := resp.Content.Get("application/json"); mt != nil {
			return status, mt.Schema
		}
		return status, nil
	}
	return http.StatusOK, nil
}

// asJSON turns any value into the generic form encoding/json decodes to.
func asJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		panic("loopstest: " + err.Error())
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// project shapes v after schema: an object keeps the properties the schema
// declares (all of them when it allows extra keys), each projected in
// turn, and gains a zero value for every required property it lacks.
func project(v any, s *openapi3.Schema, now time.Time) any {
	if s == nil {
		return v
	}
	if alt := variant(v, s); alt != nil {
		return project(v, alt, now)
	}
	switch x := v.(type) {
	case map[string]any:
		props := properties(s)
		if len(props) == 0 {
			return x
		}
		out := map[string]any{}
		for name, p := range props {
			if val, ok := x[name]; ok {
				out[name] = project(val, p.Value, now)
			} else if slices.Contains(required(s), name) {
				out[name] = zero(p.Value, now)
			}
		}
		if s.AdditionalProperties.Schema != nil || (s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has) {
			for name, val := range x {
				if _, ok := props[name]; !ok {
					out[name] = val
				}
			}
		}
		return out
	case []any:
		if s.Items == nil {
			return x
		}
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = project(item, s.Items.Value, now)
		}
		return out
	}
	return v
}

// variant picks the oneOf alternative that an object's discriminator
// names, or the first alternative for an object without one.
func variant(v any, s *openapi3.Schema) *openapi3.Schema {
	if len(s.OneOf) == 0 {
		return nil
	}
	obj, _ := v.(map[string]any)
	if d := s.Discriminator; d != nil && obj != nil {
		if name, ok := obj[d.PropertyName].(string); ok {
			for _, alt := range s.OneOf {
				if p := properties(alt.Value)[d.PropertyName]; p != nil && slices.Contains(p.Value.Enum, any(name)) {
					return alt.Value
				}
			}
		}
	}
	if obj != nil {
		for _, alt := range s.OneOf {
			if alt.Value.Type.Is(openapi3.TypeObject) || len(alt.Value.Properties) > 0 {
				return alt.Value
			}
		}
	}
	return nil
}

// properties are a schema's own properties and those of its allOf parts.
func properties(s *openapi3.Schema) openapi3.Schemas {
	if len(s.AllOf) == 0 {
		return s.Properties
	}
	out := openapi3.Schemas{}
	for _, part := range s.AllOf {
		for k, v := range properties(part.Value) {
			out[k] = v
		}
	}
	for k, v := range s.Properties {
		out[k] = v
	}
	return out
}

func required(s *openapi3.Schema) []string {
	out := slices.Clone(s.Required)
	for _, part := range s.AllOf {
		out = append(out, required(part.Value)...)
	}
	return out
}

// zero is the value a required field takes when nothing set it: null where
// allowed, the first enum value, the time for a timestamp, an empty value.
func zero(s *openapi3.Schema, now time.Time) any {
	switch {
	case s == nil:
		return nil
	case s.Nullable:
		return nil
	case len(s.Enum) > 0:
		return s.Enum[0]
	case len(s.AllOf) == 1:
		return zero(s.AllOf[0].Value, now)
	case len(s.OneOf) > 0:
		return zero(s.OneOf[0].Value, now)
	case s.Type.Is(openapi3.TypeString) && s.Format == "date-time":
		return stamp(now)
	case s.Type.Is(openapi3.TypeString):
		return ""
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		return 0
	case s.Type.Is(openapi3.TypeBoolean):
		return false
	case s.Type.Is(openapi3.TypeArray):
		return []any{}
	}
	return project(map[string]any{}, s, now)
}

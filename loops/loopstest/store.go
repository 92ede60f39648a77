package loopstest

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// The generic store serves every content resource from one implementation,
// by the shape of the contract's operations on a collection path (as
// stripe-mock does, but with state):
//
//	GET  /v1/things              list, with Loops' cursor pagination
//	POST /v1/things              create: the body's fields, an id, timestamps
//	GET  /v1/things/{id}         get (404 for an unknown id)
//	POST /v1/things/{id}         partial update, checking expectedRevisionId
//	GET  /v1/things/{id}/report  a report such as metrics: zeros until set
//
// A resource is its JSON object. An answer is that object with every
// required field it lacks set to a zero value of the answer's schema, and
// is checked against the contract like every other answer. A kind holds
// only the rules that make a resource special.

// kind describes one resource collection.
type kind struct {
	path     string // the collection path, such as "/v1/campaigns"
	noun     string // the resource in messages, such as "Campaign"
	revision string // the answer field expectedRevisionId must match, if any
	app      string // the resource's page in the Loops app, under appURL, if it has one
	// create and update apply the resource's own rules, with the server
	// locked, before the change is stored; they may alter it or refuse.
	create func(s *Server, c *call, obj object) *response
	update func(s *Server, c *call, obj, patch object) *response
	// report may refuse to read a report of the object (its metrics, say).
	report func(obj object) *response
	// view, when set, is what answers show of an object.
	view func(s *Server, obj object) object
}

// appURL is where the Loops app shows resources: Loops answers a campaign,
// transactional email or workflow with its page's URL there.
const appURL = "https://app.loops.so/"

// object is a stored resource. Fields whose names start with "_" are the
// fake's own and never reach a client.
type object = map[string]any

// collection holds one kind's objects, in creation order.
type collection struct {
	order []string
	byID  map[string]object
}

// kinds maps collection paths to their kinds, as content.go registers them.
var kinds = map[string]*kind{}

func register(k *kind) *kind {
	kinds[k.path] = k
	return k
}

// storeOp finds a route's kind and shape; ok is false for other routes.
// The shape is named by the method and the segments after the collection
// path: none (list, create), the id (get, update) or the id and a report.
func storeOp(rt *route) (k *kind, shape string, ok bool) {
	segs := strings.Split(rt.Path, "/")
	for n := len(segs); n >= 3; n-- {
		if k = kinds[strings.Join(segs[:n], "/")]; k != nil {
			rest := segs[n:]
			if len(rest) == 2 && strings.HasPrefix(rest[1], "{") { // a parameter, not a report
				return nil, "", false
			}
			shape, ok = storeShapes[fmt.Sprint(len(rest), rt.Method)]
			return k, shape, ok
		}
	}
	return nil, "", false
}

var storeShapes = map[string]string{"0GET": "list", "0POST": "create", "1GET": "get", "1POST": "update", "2GET": "report"}

// serveStore runs a generic operation.
func (s *Server) serveStore(c *call, k *kind, shape string) *response {
	if shape == "list" {
		col := s.collection(k)
		ids := slices.Clone(col.order)
		slices.Reverse(ids) // newest first
		items := make([]any, len(ids))
		for i, id := range ids {
			items[i] = col.byID[id]
		}
		return s.page(c, ids, items)
	}
	patch := c.obj
	if shape == "create" {
		obj := s.newObject(k, patch, c.now)
		if k.create != nil {
			if bad := k.create(s, c, obj); bad != nil {
				return bad
			}
		}
		s.put(k, obj)
		return s.answer(c.rt, s.view(k, obj))
	}
	obj, bad := s.named(k, c)
	if bad != nil {
		return bad
	}
	switch shape {
	case "update":
		if bad := s.applyPatch(c, k, obj, patch); bad != nil {
			return bad
		}
	case "report":
		if k.report != nil {
			if bad := k.report(obj); bad != nil {
				return bad
			}
		}
		return s.answer(c.rt, s.reports[strings.TrimPrefix(c.r.URL.EscapedPath(), apiPrefix)])
	}
	return s.answer(c.rt, s.view(k, obj))
}

func (s *Server) view(k *kind, obj object) object {
	if k.view != nil {
		return k.view(s, obj)
	}
	return obj
}

// applyPatch checks the revision, runs the kind's rules and merges patch
// into obj: null clears a field, an object merges key by key (null removing
// a key), anything else replaces. The caller holds s.mu.
func (s *Server) applyPatch(c *call, k *kind, obj, patch object) *response {
	if bad := stale(k, obj, patch); bad != nil {
		return bad
	}
	delete(patch, "expectedRevisionId")
	if k.update != nil {
		if bad := k.update(s, c, obj, patch); bad != nil {
			return bad
		}
	}
	for key, v := range patch {
		sub, isObj := v.(map[string]any)
		if !isObj {
			obj[key] = v
			continue
		}
		have, _ := obj[key].(map[string]any)
		if have == nil {
			have = object{}
			obj[key] = have
		}
		for sk, sv := range sub {
			have[sk] = sv
			if sv == nil {
				delete(have, sk)
			}
		}
	}
	s.touch(k, obj, c.now)
	return nil
}

// stale answers 409 in Loops' words when body's expectedRevisionId is not
// obj's current revision.
func stale(k *kind, obj, body object) *response {
	if want, sent := body["expectedRevisionId"]; sent && k.revision != "" && want != obj[k.revision] {
		return failure(http.StatusConflict, fmt.Sprintf("%s mismatch. Latest %[1]s is %s. Refetch and retry.", k.revision, cmp.Or(str(obj[k.revision]), "null")))
	}
	return nil
}

// newObject starts a resource from a create request's fields.
func (s *Server) newObject(k *kind, fields object, now time.Time) object {
	obj := cloneMap(fields)
	delete(obj, "expectedRevisionId")
	s.seq++
	obj["id"], obj["createdAt"] = fmt.Sprintf("lt%s%06d", strings.ToLower(k.noun[:3]), s.seq), stamp(now)
	if k.app != "" {
		obj["url"] = appURL + k.app + "/" + obj["id"].(string)
	}
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

// put stores obj. The caller holds s.mu.
func (s *Server) put(k *kind, obj object) {
	col, id := s.collection(k), obj["id"].(string)
	if _, ok := col.byID[id]; !ok {
		col.order = append(col.order, id)
	}
	col.byID[id] = obj
}

// remove deletes a stored resource. The caller holds s.mu.
func (s *Server) remove(k *kind, id string) {
	col := s.collection(k)
	delete(col.byID, id)
	col.order = slices.DeleteFunc(col.order, func(o string) bool { return o == id })
}

func (s *Server) collection(k *kind) *collection {
	if s.store[k.path] == nil {
		s.store[k.path] = &collection{byID: map[string]object{}}
	}
	return s.store[k.path]
}

// named finds the stored resource that the request's path names in the
// segment after the collection's, or answers 404. The caller holds s.mu.
func (s *Server) named(k *kind, c *call) (object, *response) {
	seg := strings.Split(c.rt.Path, "/")[strings.Count(k.path, "/")+1]
	return s.object(k, c.rt.params[strings.Trim(seg, "{}")])
}

// on makes h, an operation on one stored resource of kind k beyond the
// generic ones (publishing, a preview), a handler: h runs once the
// resource the path names is found.
func on(k *kind, h func(s *Server, c *call, obj object) *response) func(*Server, *call) *response {
	return func(s *Server, c *call) *response {
		obj, bad := s.named(k, c)
		if bad != nil {
			return bad
		}
		return h(s, c, obj)
	}
}

// object finds a stored resource, or answers 404 as Loops does.
func (s *Server) object(k *kind, id string) (object, *response) {
	if obj, ok := s.collection(k).byID[id]; ok {
		return obj, nil
	}
	return nil, failure(http.StatusNotFound, k.noun+" not found")
}

// Pagination: Loops' limits, and opaque cursors that name an item's id.
const (
	minPerPage     = 10
	maxPerPage     = 50
	defaultPerPage = 20
	cursorPrefix   = "loopstest:"
)

// page answers one page of items (ids holds their ids, in order), in
// Loops' envelope; the contract makes the cursor fields null on the last
// page.
func (s *Server) page(c *call, ids []string, items []any) *response {
	q := c.r.URL.Query()
	perPage, err := strconv.Atoi(q.Get("perPage"))
	switch {
	case q.Get("perPage") == "":
		perPage = defaultPerPage
	case err != nil || perPage < minPerPage || perPage > maxPerPage:
		return failure(http.StatusBadRequest, fmt.Sprintf("perPage must be a number from %d to %d.", minPerPage, maxPerPage))
	}
	start := 0
	if cur := q.Get("cursor"); cur != "" {
		raw, _ := base64.RawURLEncoding.DecodeString(cur)
		id, ok := strings.CutPrefix(string(raw), cursorPrefix)
		if start = slices.Index(ids, id); !ok || start < 0 {
			return failure(http.StatusBadRequest, "Invalid cursor.")
		}
	}
	end := min(start+perPage, len(ids))
	p := object{"totalResults": len(ids), "returnedResults": end - start, "perPage": perPage, "totalPages": (len(ids) + perPage - 1) / perPage}
	if end < len(ids) {
		next := base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + ids[end]))
		scheme := "http"
		if c.r.TLS != nil {
			scheme = "https"
		}
		u := url.URL{Scheme: scheme, Host: c.r.Host, Path: c.r.URL.Path, RawQuery: url.Values{"cursor": {next}, "perPage": {strconv.Itoa(perPage)}}.Encode()}
		p["nextCursor"], p["nextPage"] = next, u.String()
	}
	return s.answer(c.rt, object{"pagination": p, "data": items[start:end]})
}

// answer completes v after the operation's success schema and answers with
// the operation's success status (204: no body).
func (s *Server) answer(rt *route, v any) *response {
	for status := 200; status < 300; status++ {
		if ref := rt.Operation.Responses.Value(strconv.Itoa(status)); ref != nil {
			if mt := ref.Value.Content.Get("application/json"); mt != nil {
				return newJSON(status, complete(asJSON(v), mt.Schema.Value, s.now()))
			}
			return &response{status: status, header: http.Header{}}
		}
	}
	// Only reachable if the contract gains an operation without one.
	return failure(http.StatusNotImplemented, "loopstest: "+rt.opID+" has no success answer in the contract")
}

// asJSON turns a value into the form encoding/json decodes to, which the
// store keeps.
func asJSON(v any) any { return as[any](v) }

// as decodes v's JSON into a T, as a client would; the fake only converts
// its own values, so errors cannot occur.
func as[T any](v any) (out T) {
	b, _ := json.Marshal(v)
	_ = json.Unmarshal(b, &out)
	return out
}

// complete gives an object every required property of its schema that it
// lacks (a zero value: null where allowed, the first enum value, the time
// for a timestamp, an empty value), recursively, and drops the fake's own
// "_" fields. s is never nil: loading validates the contract, which resolves
// every reference.
func complete(v any, s *openapi3.Schema, now time.Time) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = complete(x[i], s.Items.Value, now)
		}
	case map[string]any:
		s = chosen(x, s)
		props, req := properties(x, s)
		for name := range x {
			if strings.HasPrefix(name, "_") {
				delete(x, name)
			} else if p := cmp.Or(props[name], s.AdditionalProperties.Schema); p != nil {
				x[name] = complete(x[name], p.Value, now)
			}
		}
		for _, name := range req {
			if _, ok := x[name]; !ok && props[name] != nil {
				x[name] = zero(props[name].Value, now)
			}
		}
	case nil:
		return zero(s, now)
	}
	return v
}

// chosen is the oneOf alternative an object's discriminator names (or the
// first one), or s itself.
func chosen(obj map[string]any, s *openapi3.Schema) *openapi3.Schema {
	if len(s.OneOf) == 0 {
		return s
	}
	if d := s.Discriminator; d != nil {
		if ref, ok := d.Mapping[fmt.Sprint(obj[d.PropertyName])]; ok {
			name := strings.TrimPrefix(ref.Ref, "#/components/schemas/")
			return shared.doc.Components.Schemas[name].Value
		}
	}
	return s.OneOf[0].Value
}

// properties are a schema's properties and required names, its allOf
// parts' included (a part that is a union gives those of obj's alternative).
func properties(obj map[string]any, s *openapi3.Schema) (openapi3.Schemas, []string) {
	props, req := openapi3.Schemas{}, slices.Clone(s.Required)
	for _, part := range s.AllOf {
		p, r := properties(obj, chosen(obj, part.Value))
		maps.Copy(props, p)
		req = append(req, r...)
	}
	maps.Copy(props, s.Properties)
	return props, req
}

func zero(s *openapi3.Schema, now time.Time) any {
	switch {
	case s.Nullable:
		return nil
	case len(s.Enum) > 0:
		return s.Enum[0]
	case len(s.AllOf) == 1:
		return zero(s.AllOf[0].Value, now)
	case s.Format == "date-time":
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
	return complete(map[string]any{}, s, now)
}

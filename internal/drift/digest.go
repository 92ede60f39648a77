// Package drift keeps the loops-go contract (openapi/loops.yaml) honest
// about Loops' published API.
//
// It reduces an OpenAPI document, 3.0 or 3.1, to a Digest: the facts a
// client depends on (operations with their security and deprecation,
// parameters, request and response schemas with their types, required and
// nullable flags, enums, limits and alternatives, response headers, and
// the webhook payloads), component schemas kept once by name, and no prose
// but the quotes of the watched facts (openapi/upstream-facts.yaml). The
// digest of Loops' spec is committed as openapi/upstream.lock.json, so
// that a review sees upstream's changes as a diff of facts.
//
// Compare lists how two digests differ, one Finding per fact, looking
// through every reference, inside oneOf and anyOf alternatives too (see
// variants.go). Differences (openapi/upstream-differences.yaml) are the
// deliberate ones, each with a reason; Gate fails on any finding no entry
// explains, and on any entry that explains nothing. Propose drafts the
// contract change for upstream's additive moves.
package drift

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Digest is the facts of one OpenAPI document.
type Digest struct {
	// Source identifies the document the digest was made from.
	Source Source `json:"source"`
	// Operations maps "METHOD /path" to the operation's facts.
	Operations map[string]*Operation `json:"operations"`
	// Webhooks maps an event name, such as "contact.created", to the
	// schema of its payload.
	Webhooks map[string]*Schema `json:"webhooks,omitempty"`
	// Schemas holds the component schemas the others refer to by Ref.
	Schemas map[string]*Schema `json:"schemas,omitempty"`
	// Prose maps a location of upstream's prose (see Quote.At) to the
	// declared quotes that were there: the watched facts of
	// openapi/upstream-facts.yaml, as the digested document states them.
	Prose map[string][]string `json:"prose,omitempty"`
}

// Source names a document by its title, info.version and content hash.
type Source struct {
	Title   string `json:"title"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

// Operation is the facts of one operation.
type Operation struct {
	OperationID string `json:"operationId,omitempty"`
	Deprecated  bool   `json:"deprecated,omitempty"`
	// Security lists the ways to authenticate, any one of which will do,
	// as the operation states them or inherits them from the document.
	// Each is its schemes joined by " + ", a scheme written as its type
	// and details ("http bearer"), since scheme names are not facts;
	// "none" is the empty requirement (no authentication), which an
	// operation's "security: []" states too; nil is unstated.
	Security []string `json:"security,omitempty"`
	// Parameters maps "in.name" (header names lower-cased), such as
	// "query.perPage", to the parameter.
	Parameters  map[string]*Parameter `json:"parameters,omitempty"`
	RequestBody *Body                 `json:"requestBody,omitempty"`
	// Responses maps a status ("200", "4XX", "default") to its body.
	Responses map[string]*Body `json:"responses"`
}

// Parameter is one parameter of an operation.
type Parameter struct {
	Required bool    `json:"required,omitempty"`
	Schema   *Schema `json:"schema,omitempty"`
}

// Body is a request or response body. Schema is the application/json
// schema; it is nil when the body has none (no content, or only other
// media types, listed in Media).
type Body struct {
	Required bool     `json:"required,omitempty"`
	Media    []string `json:"media,omitempty"`
	Schema   *Schema  `json:"schema,omitempty"`
	// Headers maps a response header's name, lower-cased, to its facts.
	Headers map[string]*Parameter `json:"headers,omitempty"`
}

// FromDocument builds the digest of doc; raw is the document's bytes, for
// the hash.
func FromDocument(doc *openapi3.T, raw []byte) *Digest {
	sum := sha256.Sum256(raw)
	n := &normalizer{components: map[string]*Schema{}}
	d := &Digest{
		Source:     Source{Version: doc.Info.Version, Title: doc.Info.Title, SHA256: hex.EncodeToString(sum[:])},
		Operations: map[string]*Operation{},
		Webhooks:   map[string]*Schema{},
		Schemas:    n.components,
	}
	if doc.Paths != nil {
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				o := n.operation(item, op)
				o.Security = security(doc, op)
				d.Operations[strings.ToUpper(method)+" "+path] = o
			}
		}
	}
	// Upstream declares webhook payloads in the 3.1 webhooks block; the
	// contract, being 3.0, carries them as component schemas. Either way a
	// payload is found by the single value of its eventName property.
	for _, item := range doc.Webhooks {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				n.addWebhook(d, op.RequestBody.Value.Content.Get("application/json"))
			}
		}
	}
	if doc.Components != nil && len(doc.Webhooks) == 0 {
		for name, ref := range doc.Components.Schemas {
			// By reference, so that the payload keeps its component's name.
			n.addWebhook(d, &openapi3.MediaType{Schema: &openapi3.SchemaRef{Ref: "#/components/schemas/" + name, Value: ref.Value}})
		}
	}
	return d
}

func (n *normalizer) addWebhook(d *Digest, mt *openapi3.MediaType) {
	if mt == nil || mt.Schema == nil {
		return
	}
	s := n.normalize(mt.Schema)
	name := n.resolve(n.resolve(s).Properties["eventName"])
	if name == nil || len(name.Enum) != 1 {
		return
	}
	if event, ok := name.Enum[0].(string); ok && strings.Contains(event, ".") {
		d.Webhooks[event] = s
	}
}

func (n *normalizer) operation(item *openapi3.PathItem, op *openapi3.Operation) *Operation {
	o := &Operation{OperationID: op.OperationID, Deprecated: op.Deprecated, Responses: map[string]*Body{}}
	params := slices.Concat(item.Parameters, op.Parameters)
	for _, ref := range params {
		p := ref.Value
		if p == nil {
			continue
		}
		name := p.Name
		if p.In == openapi3.ParameterInHeader {
			name = strings.ToLower(name)
		}
		if o.Parameters == nil {
			o.Parameters = map[string]*Parameter{}
		}
		o.Parameters[p.In+"."+name] = &Parameter{Required: p.Required, Schema: n.normalize(p.Schema)}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		o.RequestBody = n.body(rb.Value.Content)
		o.RequestBody.Required = rb.Value.Required
	}
	if op.Responses != nil {
		for status, ref := range op.Responses.Map() {
			b := &Body{}
			if ref.Value != nil {
				b = n.body(ref.Value.Content)
				b.Headers = n.headers(ref.Value.Headers)
			}
			o.Responses[status] = b
		}
	}
	return o
}

func (n *normalizer) headers(hs openapi3.Headers) map[string]*Parameter {
	var out map[string]*Parameter
	for name, ref := range hs {
		if ref == nil || ref.Value == nil {
			continue
		}
		if out == nil {
			out = map[string]*Parameter{}
		}
		out[strings.ToLower(name)] = &Parameter{Required: ref.Value.Required, Schema: n.normalize(ref.Value.Schema)}
	}
	return out
}

// security renders op's effective security requirements.
func security(doc *openapi3.T, op *openapi3.Operation) []string {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
		if len(reqs) == 0 {
			return []string{"none"} // "security: []" lifts the document's requirement
		}
	}
	var out []string
	for _, req := range reqs {
		var schemes []string
		for name, scopes := range req {
			schemes = append(schemes, schemeText(doc, name, scopes))
		}
		slices.Sort(schemes)
		if len(schemes) == 0 {
			schemes = []string{"none"}
		}
		out = append(out, strings.Join(schemes, " + "))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// schemeText describes a security scheme by what it asks of a request.
func schemeText(doc *openapi3.T, name string, scopes []string) string {
	text := name + " (undefined)"
	if doc.Components != nil {
		if ref := doc.Components.SecuritySchemes[name]; ref != nil && ref.Value != nil {
			v := ref.Value
			text = strings.Join(strings.Fields(strings.Join([]string{v.Type, v.Scheme, v.In, v.Name}, " ")), " ")
		}
	}
	if len(scopes) > 0 {
		text += " [" + strings.Join(slices.Sorted(slices.Values(scopes)), " ") + "]"
	}
	return text
}

func (n *normalizer) body(content openapi3.Content) *Body {
	b := &Body{}
	for media, mt := range content {
		if strings.Contains(media, "json") && mt.Schema != nil {
			b.Schema = n.normalize(mt.Schema)
			continue
		}
		b.Media = append(b.Media, media)
	}
	slices.Sort(b.Media)
	return b
}

// Marshal encodes d as indented JSON with sorted keys, so that the same
// facts always give the same bytes.
func (d *Digest) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Unmarshal reads a digest written by Marshal.
func Unmarshal(b []byte) (*Digest, error) {
	var d Digest
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("reading the digest: %w", err)
	}
	if d.Operations == nil {
		return nil, fmt.Errorf("the digest has no operations")
	}
	return &d, nil
}

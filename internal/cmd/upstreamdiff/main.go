// Command upstreamdiff reports how the loops-go contract (openapi/loops.yaml)
// differs from an OpenAPI document published by Loops.
//
// Usage:
//
//	go run ./internal/cmd/upstreamdiff -ours openapi/loops.yaml -upstream <file or http(s) URL> [-fail-on-missing] [-timeout 30s]
//
// The report lists the operations upstream has and the contract lacks, and
// for every operation both documents have (matched by method and path) the
// differences in parameters, request body properties and response status
// codes. Differences are expected: the contract deliberately corrects some
// of upstream's mistakes. The report is informational, not a gate.
//
// Exit status: 0 once the report is printed; 1 when -fail-on-missing is set
// and upstream has operations the contract lacks; 2 when the arguments are
// wrong or a document cannot be read or parsed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Exit codes.
const (
	exitOK      = 0
	exitMissing = 1
	exitError   = 2
)

// maxDocumentBytes bounds how much of a downloaded document is read.
const maxDocumentBytes = 32 << 20

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// config holds the command-line options.
type config struct {
	ours          string
	upstream      string
	failOnMissing bool
	timeout       time.Duration
}

// parseFlags reads the command line; errors are already reported on stderr.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("upstreamdiff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.ours, "ours", "openapi/loops.yaml", "the loops-go contract (file path or http(s) URL)")
	fs.StringVar(&cfg.upstream, "upstream", "", "Loops' published OpenAPI document (file path or http(s) URL)")
	fs.BoolVar(&cfg.failOnMissing, "fail-on-missing", false, "exit 1 when upstream has operations the contract lacks")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "time limit for downloading a document given as a URL")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.upstream == "" || cfg.ours == "" || fs.NArg() > 0 {
		err := errors.New("usage: upstreamdiff -ours <file or URL> -upstream <file or URL> [-fail-on-missing] [-timeout 30s]")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	if cfg.timeout <= 0 {
		err := errors.New("-timeout must be positive")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	return cfg, nil
}

// run is the whole command, returning its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return exitError
	}
	ours, err := loadDocument(ctx, cfg.ours, cfg.timeout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "upstreamdiff: ours: %v\n", err)
		return exitError
	}
	upstream, err := loadDocument(ctx, cfg.upstream, cfg.timeout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "upstreamdiff: upstream: %v\n", err)
		return exitError
	}

	rep := compareDocuments(ours, upstream)
	rep.oursSource, rep.upstreamSource = cfg.ours, cfg.upstream
	if err := rep.write(stdout); err != nil {
		fmt.Fprintf(stderr, "upstreamdiff: writing the report: %v\n", err)
		return exitError
	}
	if cfg.failOnMissing && len(rep.upstreamOnly) > 0 {
		return exitMissing
	}
	return exitOK
}

// loadDocument reads and parses an OpenAPI document (3.0 or 3.1) from a file
// or an http(s) URL. A document that parses but does not validate is still
// used; the validation problem is printed to warnings.
func loadDocument(ctx context.Context, location string, timeout time.Duration, warnings io.Writer) (*openapi3.T, error) {
	data, err := readSource(ctx, location, timeout)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", location, err)
	}
	if doc.Paths == nil {
		return nil, fmt.Errorf("%s has no paths", location)
	}
	if err := doc.Validate(ctx); err != nil {
		fmt.Fprintf(warnings, "upstreamdiff: warning: %s does not validate: %v\n", location, err)
	}
	return doc, nil
}

// readSource returns the bytes of a file, or of an http(s) URL's body.
func readSource(ctx context.Context, location string, timeout time.Duration) ([]byte, error) {
	if !isHTTPURL(location) {
		return os.ReadFile(location)
	}
	return fetch(ctx, location, timeout)
}

// isHTTPURL tells whether location is an http or https URL rather than a path.
func isHTTPURL(location string) bool {
	u, err := url.Parse(location)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// fetch downloads a document with the standard library, within timeout.
func fetch(ctx context.Context, rawURL string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/yaml, application/json;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "loops-go-upstreamdiff")

	client := &http.Client{Timeout: timeout}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading %s: HTTP status %s", rawURL, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", rawURL, err)
	}
	if len(data) > maxDocumentBytes {
		return nil, fmt.Errorf("downloading %s: document is larger than %d bytes", rawURL, maxDocumentBytes)
	}
	return data, nil
}

// endpoint identifies an operation across documents.
type endpoint struct {
	method string
	path   string
}

// operation is one operation of a document.
type operation struct {
	endpoint
	id       string
	tag      string
	op       *openapi3.Operation
	pathItem *openapi3.PathItem
}

// methodRank orders methods the way API references usually list them.
var methodRank = map[string]int{
	http.MethodGet: 0, http.MethodPost: 1, http.MethodPut: 2, http.MethodPatch: 3, http.MethodDelete: 4,
}

// lessEndpoint sorts by path, then by method.
func lessEndpoint(a, b endpoint) bool {
	if a.path != b.path {
		return a.path < b.path
	}
	ra, okA := methodRank[a.method]
	rb, okB := methodRank[b.method]
	if okA && okB && ra != rb {
		return ra < rb
	}
	return a.method < b.method
}

// collectOperations indexes a document's operations by method and path.
func collectOperations(doc *openapi3.T) map[endpoint]operation {
	ops := map[endpoint]operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := endpoint{method: strings.ToUpper(method), path: path}
			tag := "(untagged)"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			ops[key] = operation{endpoint: key, id: op.OperationID, tag: tag, op: op, pathItem: item}
		}
	}
	return ops
}

// sortedOperations returns ops in endpoint order.
func sortedOperations(ops []operation) []operation {
	sort.Slice(ops, func(i, j int) bool { return lessEndpoint(ops[i].endpoint, ops[j].endpoint) })
	return ops
}

// report is the outcome of a comparison.
type report struct {
	oursSource, upstreamSource string
	oursInfo, upstreamInfo     string
	oursCount, upstreamCount   int
	upstreamOnly               []operation
	oursOnly                   []operation
	shared                     []operationDiff
}

// operationDiff lists the differences of one shared operation.
type operationDiff struct {
	endpoint
	oursID, upstreamID string
	lines              []string
}

// compareDocuments builds the drift report of ours against upstream.
func compareDocuments(ours, upstream *openapi3.T) report {
	oursOps, upstreamOps := collectOperations(ours), collectOperations(upstream)
	rep := report{
		oursInfo:      describeDocument(ours),
		upstreamInfo:  describeDocument(upstream),
		oursCount:     len(oursOps),
		upstreamCount: len(upstreamOps),
	}
	for key, up := range upstreamOps {
		if _, ok := oursOps[key]; !ok {
			rep.upstreamOnly = append(rep.upstreamOnly, up)
		}
	}
	for key, our := range oursOps {
		up, ok := upstreamOps[key]
		if !ok {
			rep.oursOnly = append(rep.oursOnly, our)
			continue
		}
		rep.shared = append(rep.shared, operationDiff{
			endpoint:   key,
			oursID:     our.id,
			upstreamID: up.id,
			lines:      diffOperation(our, up),
		})
	}
	sortedOperations(rep.upstreamOnly)
	sortedOperations(rep.oursOnly)
	sort.Slice(rep.shared, func(i, j int) bool { return lessEndpoint(rep.shared[i].endpoint, rep.shared[j].endpoint) })
	return rep
}

// describeDocument names a document's title, version and OpenAPI version.
func describeDocument(doc *openapi3.T) string {
	if doc.Info == nil {
		return "OpenAPI " + doc.OpenAPI
	}
	return fmt.Sprintf("%s %s (OpenAPI %s)", doc.Info.Title, doc.Info.Version, doc.OpenAPI)
}

// diffOperation lists every difference between two versions of an operation.
func diffOperation(ours, upstream operation) []string {
	var lines []string
	if ours.id != upstream.id {
		lines = append(lines, fmt.Sprintf("operationId: ours %s, upstream %s", orNone(ours.id), orNone(upstream.id)))
	}
	lines = append(lines, diffParameters(ours, upstream)...)
	lines = append(lines, diffRequestBodies(ours.op.RequestBody, upstream.op.RequestBody)...)
	lines = append(lines, diffResponses(ours.op.Responses, upstream.op.Responses)...)
	return lines
}

// orNone prints an empty value as "none".
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// parameterKey identifies a parameter: its location and name (header names
// are case-insensitive).
func parameterKey(p *openapi3.Parameter) string {
	name := p.Name
	if p.In == openapi3.ParameterInHeader {
		name = strings.ToLower(name)
	}
	return p.In + " " + name
}

// effectiveParameters merges path-level and operation-level parameters, the
// operation's winning, keyed by parameterKey.
func effectiveParameters(o operation) map[string]*openapi3.Parameter {
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{o.pathItem.Parameters, o.op.Parameters} {
		for _, ref := range list {
			if ref != nil && ref.Value != nil {
				params[parameterKey(ref.Value)] = ref.Value
			}
		}
	}
	return params
}

// diffParameters compares the parameters of two operations.
func diffParameters(ours, upstream operation) []string {
	oursParams, upstreamParams := effectiveParameters(ours), effectiveParameters(upstream)
	var lines []string
	for _, key := range unionKeys(oursParams, upstreamParams) {
		our, up := oursParams[key], upstreamParams[key]
		label := parameterLabel(our, up)
		switch {
		case up == nil:
			lines = append(lines, fmt.Sprintf("%s: only ours (%s)", label, describeSchema(our.Schema)))
		case our == nil:
			lines = append(lines, fmt.Sprintf("%s: only upstream (%s)", label, describeSchema(up.Schema)))
		default:
			for _, d := range diffAttributes(parameterAttributes(our), parameterAttributes(up)) {
				lines = append(lines, label+": "+d)
			}
		}
	}
	return lines
}

// parameterLabel names a parameter as spelt by ours, else by upstream.
func parameterLabel(ours, upstream *openapi3.Parameter) string {
	p := ours
	if p == nil {
		p = upstream
	}
	return fmt.Sprintf("parameter %s %q", p.In, p.Name)
}

// attribute is one named, printable property of a parameter or schema.
type attribute struct{ name, value string }

// parameterAttributes lists what is compared for a parameter.
func parameterAttributes(p *openapi3.Parameter) []attribute {
	attrs := []attribute{{"required", yesNo(p.Required)}}
	return append(attrs, schemaAttributes(p.Schema)...)
}

// schemaAttributes lists the type, the bounds and the enum of a schema.
func schemaAttributes(ref *openapi3.SchemaRef) []attribute {
	attrs := []attribute{{"type", describeSchema(ref)}}
	if ref == nil || ref.Value == nil {
		return attrs
	}
	s := ref.Value
	return append(attrs,
		attribute{"minimum", formatFloat(s.Min)},
		attribute{"maximum", formatFloat(s.Max)},
		attribute{"minLength", formatMinLength(s.MinLength)},
		attribute{"maxLength", formatUint(s.MaxLength)},
		attribute{"enum", formatEnum(s.Enum)},
	)
}

// diffAttributes reports each attribute whose value differs.
func diffAttributes(ours, upstream []attribute) []string {
	var lines []string
	for i := range ours {
		if ours[i].value != upstream[i].value {
			lines = append(lines, fmt.Sprintf("%s: ours %s, upstream %s", ours[i].name, ours[i].value, upstream[i].value))
		}
	}
	return lines
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func formatFloat(f *float64) string {
	if f == nil {
		return "none"
	}
	return fmt.Sprintf("%g", *f)
}

func formatUint(u *uint64) string {
	if u == nil {
		return "none"
	}
	return fmt.Sprint(*u)
}

func formatMinLength(u uint64) string {
	if u == 0 {
		return "none"
	}
	return fmt.Sprint(u)
}

func formatEnum(values []any) string {
	if len(values) == 0 {
		return "none"
	}
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// maxSchemaDepth stops describeSchema on deeply nested or recursive schemas.
const maxSchemaDepth = 8

// describeSchema summarises a schema's type in a form that is the same for
// OpenAPI 3.0 (nullable: true) and 3.1 (type: [T, "null"]): "string|null",
// "integer", "string(byte)", "array<string>", "map<boolean>", "object",
// "oneOf(string|null, number, boolean)".
func describeSchema(ref *openapi3.SchemaRef) string {
	return describeSchemaDepth(ref, 0)
}

func describeSchemaDepth(ref *openapi3.SchemaRef, depth int) string {
	if ref == nil || ref.Value == nil {
		return "any"
	}
	if depth > maxSchemaDepth {
		return "…"
	}
	s := ref.Value
	nullable := s.Nullable
	var parts []string
	for _, t := range s.Type.Slice() {
		if t == openapi3.TypeNull {
			nullable = true
			continue
		}
		parts = append(parts, describeType(s, t, depth))
	}
	base := strings.Join(parts, "|")
	if base == "" {
		base = describeComposition(s, depth)
	}
	if nullable && !strings.HasSuffix(base, "|null") {
		base += "|null"
	}
	return base
}

// describeType describes a schema as one of its JSON types.
func describeType(s *openapi3.Schema, typ string, depth int) string {
	switch typ {
	case openapi3.TypeArray:
		return "array<" + describeSchemaDepth(s.Items, depth+1) + ">"
	case openapi3.TypeObject:
		if len(s.Properties) == 0 && s.AdditionalProperties.Schema != nil {
			return "map<" + describeSchemaDepth(s.AdditionalProperties.Schema, depth+1) + ">"
		}
		return "object"
	case openapi3.TypeString:
		if s.Format != "" {
			return "string(" + s.Format + ")"
		}
	}
	return typ
}

// describeComposition describes a schema without a type of its own.
func describeComposition(s *openapi3.Schema, depth int) string {
	describeAll := func(kind string, refs openapi3.SchemaRefs) string {
		parts := make([]string, len(refs))
		for i, r := range refs {
			parts[i] = describeSchemaDepth(r, depth+1)
		}
		return kind + "(" + strings.Join(parts, ", ") + ")"
	}
	switch {
	case len(s.AllOf) == 1:
		return describeSchemaDepth(s.AllOf[0], depth+1)
	case len(s.AllOf) > 1:
		return describeAll("allOf", s.AllOf)
	case len(s.OneOf) > 0:
		return describeAll("oneOf", s.OneOf)
	case len(s.AnyOf) > 0:
		return describeAll("anyOf", s.AnyOf)
	case len(s.Properties) > 0:
		return "object"
	}
	return "any"
}

// bodyShape is a request body schema with its allOf parts merged.
type bodyShape struct {
	properties   map[string]*openapi3.SchemaRef
	required     map[string]bool
	additional   string   // additionalProperties, described; "" when unspecified
	alternatives []string // oneOf/anyOf groups of required properties
}

// requestSchema returns the schema of a request body: its application/json
// one, or else the one of its first media type in sorted order.
func requestSchema(body *openapi3.RequestBodyRef) *openapi3.SchemaRef {
	if body == nil || body.Value == nil || len(body.Value.Content) == 0 {
		return nil
	}
	if mt := body.Value.Content.Get("application/json"); mt != nil {
		return mt.Schema
	}
	mediaTypes := make([]string, 0, len(body.Value.Content))
	for name := range body.Value.Content {
		mediaTypes = append(mediaTypes, name)
	}
	sort.Strings(mediaTypes)
	return body.Value.Content[mediaTypes[0]].Schema
}

// flattenBody merges a body schema and its allOf parts into one shape.
func flattenBody(ref *openapi3.SchemaRef) bodyShape {
	shape := bodyShape{properties: map[string]*openapi3.SchemaRef{}, required: map[string]bool{}}
	shape.merge(ref, 0)
	return shape
}

func (b *bodyShape) merge(ref *openapi3.SchemaRef, depth int) {
	if ref == nil || ref.Value == nil || depth > maxSchemaDepth {
		return
	}
	s := ref.Value
	for name, prop := range s.Properties {
		if _, seen := b.properties[name]; !seen {
			b.properties[name] = prop
		}
	}
	for _, name := range s.Required {
		b.required[name] = true
	}
	if b.additional == "" {
		b.additional = describeAdditional(s.AdditionalProperties)
	}
	if alt := describeRequiredGroup("oneOf", s.OneOf); alt != "" {
		b.alternatives = append(b.alternatives, alt)
	}
	if alt := describeRequiredGroup("anyOf", s.AnyOf); alt != "" {
		b.alternatives = append(b.alternatives, alt)
	}
	for _, part := range s.AllOf {
		b.merge(part, depth+1)
	}
}

// describeAdditional describes an additionalProperties setting.
func describeAdditional(ap openapi3.AdditionalProperties) string {
	switch {
	case ap.Schema != nil:
		return describeSchema(ap.Schema)
	case ap.Has != nil && !*ap.Has:
		return "not allowed"
	case ap.Has != nil:
		return "any"
	}
	return ""
}

// describeRequiredGroup describes a oneOf/anyOf whose branches only list
// required properties, such as "oneOf [email] | [userId]".
func describeRequiredGroup(kind string, group openapi3.SchemaRefs) string {
	if len(group) == 0 {
		return ""
	}
	branches := make([]string, 0, len(group))
	for _, ref := range group {
		if ref == nil || ref.Value == nil || len(ref.Value.Required) == 0 {
			return ""
		}
		branches = append(branches, "["+strings.Join(ref.Value.Required, " ")+"]")
	}
	return kind + " " + strings.Join(branches, " | ")
}

// diffRequestBodies compares two request bodies property by property.
func diffRequestBodies(ours, upstream *openapi3.RequestBodyRef) []string {
	oursSchema, upstreamSchema := requestSchema(ours), requestSchema(upstream)
	switch {
	case oursSchema == nil && upstreamSchema == nil:
		return nil
	case upstreamSchema == nil:
		return []string{"request body: only ours"}
	case oursSchema == nil:
		return []string{"request body: only upstream"}
	}
	our, up := flattenBody(oursSchema), flattenBody(upstreamSchema)

	var lines []string
	for _, name := range unionKeys(our.properties, up.properties) {
		lines = append(lines, diffBodyProperty(name, our, up)...)
	}
	if our.additional != up.additional {
		lines = append(lines, fmt.Sprintf("request body: additional properties: ours %s, upstream %s",
			orUnspecified(our.additional), orUnspecified(up.additional)))
	}
	ourAlt, upAlt := strings.Join(our.alternatives, "; "), strings.Join(up.alternatives, "; ")
	if ourAlt != upAlt {
		lines = append(lines, fmt.Sprintf("request body: required alternatives: ours %s, upstream %s", orNone(ourAlt), orNone(upAlt)))
	}
	return lines
}

// diffBodyProperty compares one property of two flattened bodies.
func diffBodyProperty(name string, ours, upstream bodyShape) []string {
	label := fmt.Sprintf("request body: property %q", name)
	our, up := ours.properties[name], upstream.properties[name]
	switch {
	case up == nil:
		return []string{fmt.Sprintf("%s: only ours (%s)", label, describeSchema(our))}
	case our == nil:
		return []string{fmt.Sprintf("%s: only upstream (%s)", label, describeSchema(up))}
	}
	var lines []string
	if a, b := describeSchema(our), describeSchema(up); a != b {
		lines = append(lines, fmt.Sprintf("%s: type: ours %s, upstream %s", label, a, b))
	}
	if a, b := ours.required[name], upstream.required[name]; a != b {
		lines = append(lines, fmt.Sprintf("%s: required: ours %s, upstream %s", label, yesNo(a), yesNo(b)))
	}
	return lines
}

func orUnspecified(s string) string {
	if s == "" {
		return "unspecified"
	}
	return s
}

// diffResponses reports the status codes declared on one side only.
func diffResponses(ours, upstream *openapi3.Responses) []string {
	oursCodes, upstreamCodes := responseCodes(ours), responseCodes(upstream)
	var onlyOurs, onlyUpstream []string
	for _, code := range oursCodes {
		if !slices.Contains(upstreamCodes, code) {
			onlyOurs = append(onlyOurs, code)
		}
	}
	for _, code := range upstreamCodes {
		if !slices.Contains(oursCodes, code) {
			onlyUpstream = append(onlyUpstream, code)
		}
	}
	var lines []string
	if len(onlyOurs) > 0 {
		lines = append(lines, "responses only ours: "+strings.Join(onlyOurs, ", "))
	}
	if len(onlyUpstream) > 0 {
		lines = append(lines, "responses only upstream: "+strings.Join(onlyUpstream, ", "))
	}
	return lines
}

// responseCodes lists the declared status codes (and "default"), sorted.
func responseCodes(responses *openapi3.Responses) []string {
	if responses == nil {
		return nil
	}
	codes := make([]string, 0, responses.Len())
	for code := range responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return codes
}

// unionKeys returns the keys of both maps, sorted.
func unionKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// write prints the report.
func (r report) write(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Drift report: %s against %s\n", r.oursSource, r.upstreamSource)
	ew.printf("  ours:     %s\n", r.oursInfo)
	ew.printf("  upstream: %s\n\n", r.upstreamInfo)
	ew.printf("ours: %d operations; upstream: %d; shared: %d; upstream-only: %d; ours-only: %d\n",
		r.oursCount, r.upstreamCount, len(r.shared), len(r.upstreamOnly), len(r.oursOnly))

	ew.printf("\nUpstream operations missing from ours (%d):\n", len(r.upstreamOnly))
	r.writeByTag(ew, r.upstreamOnly)

	ew.printf("\nOperations only in ours (%d):\n", len(r.oursOnly))
	r.writeByTag(ew, r.oursOnly)

	differing := 0
	for _, d := range r.shared {
		if len(d.lines) > 0 {
			differing++
		}
	}
	ew.printf("\nDifferences in shared operations (%d of %d differ):\n", differing, len(r.shared))
	for _, d := range r.shared {
		if len(d.lines) == 0 {
			continue
		}
		ew.printf("  %s %s (%s)\n", d.method, d.path, orNone(d.oursID))
		for _, line := range d.lines {
			ew.printf("    %s\n", line)
		}
	}
	if differing == 0 {
		ew.printf("  none\n")
	}
	return ew.err
}

// writeByTag prints operations grouped by their first tag, as aligned columns.
func (r report) writeByTag(ew *errWriter, ops []operation) {
	if len(ops) == 0 {
		ew.printf("  none\n")
		return
	}
	byTag := map[string][]operation{}
	for _, o := range ops {
		byTag[o.tag] = append(byTag[o.tag], o)
	}
	tags := make([]string, 0, len(byTag))
	for tag := range byTag {
		tags = append(tags, tag)
	}
	sort.Strings(tags)

	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for _, tag := range tags {
		fmt.Fprintf(tw, "  %s (%d)\n", tag, len(byTag[tag]))
		for _, o := range sortedOperations(byTag[tag]) {
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", o.method, o.path, orNone(o.id))
		}
	}
	if err := tw.Flush(); err != nil && ew.err == nil {
		ew.err = err
	}
}

// errWriter remembers the first write error so printing code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}

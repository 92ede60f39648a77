package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// oursSpec is a tiny OpenAPI 3.0 contract in the style of openapi/loops.yaml.
const oursSpec = `openapi: 3.0.3
info: {title: ours, version: "1"}
paths:
  /v1/things:
    get:
      operationId: listThings
      tags: [Things]
      parameters:
        - name: perPage
          in: query
          schema: {type: integer, minimum: 10, maximum: 50}
        - name: cursor
          in: query
          schema: {type: string}
      responses:
        "200": {description: ok}
        "429": {description: slow down}
    post:
      operationId: createThing
      tags: [Things]
      parameters:
        - name: Idempotency-Key
          in: header
          schema: {type: string, maxLength: 100}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, nullable: true}
                count: {type: integer}
                owner: {type: string}
      responses:
        "200": {description: ok}
  /v1/ours-only:
    get:
      operationId: oursOnly
      tags: [Things]
      responses:
        "200": {description: ok}
`

// upstreamSpec is a tiny OpenAPI 3.1 document with upstream-style quirks:
// a string perPage, a null expressed as a type array, and extra operations.
const upstreamSpec = `openapi: 3.1.0
info: {title: upstream, version: "2"}
paths:
  /v1/things:
    get:
      operationId: listThings
      tags: [Things]
      parameters:
        - name: perPage
          in: query
          schema: {type: string}
        - name: cursor
          in: query
          schema: {type: string}
      responses:
        "200": {description: ok}
        "405": {description: wrong method}
    post:
      operationId: makeThing
      tags: [Things]
      parameters:
        - name: idempotency-key
          in: header
          schema: {type: string, maxLength: 100}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              allOf:
                - type: object
                  properties:
                    name: {type: [string, "null"]}
                    color: {type: string}
                    owner: {type: string}
                - type: object
                  required: [name, owner]
      responses:
        "200": {description: ok}
  /v1/widgets:
    get:
      operationId: listWidgets
      tags: [Widgets]
      responses:
        "200": {description: ok}
  /v1/widgets/{widgetId}:
    delete:
      operationId: deleteWidget
      parameters:
        - name: widgetId
          in: path
          required: true
          schema: {type: string}
      responses:
        "204": {description: gone}
`

// writeSpec stores a document in a temporary file and returns its path.
func writeSpec(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCommand runs the command with args and returns its exit status and output.
func runCommand(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// wantLines checks that every pattern matches a whole line of the report.
func wantLines(t *testing.T, report string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		re := regexp.MustCompile(`(?m)^` + p + `$`)
		if !re.MatchString(report) {
			t.Errorf("report has no line matching %q\nreport:\n%s", p, report)
		}
	}
}

// wantNoLines checks that no line of the report contains any of the texts.
func wantNoLines(t *testing.T, report string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		if strings.Contains(report, text) {
			t.Errorf("report mentions %q, want no such line\nreport:\n%s", text, report)
		}
	}
}

func TestReportFromFiles(t *testing.T) {
	ours := writeSpec(t, "ours.yaml", oursSpec)
	upstream := writeSpec(t, "upstream.yaml", upstreamSpec)

	code, report, stderr := runCommand(t, "-ours", ours, "-upstream", upstream)
	if code != exitOK {
		t.Fatalf("exit status %d, want %d; stderr: %s", code, exitOK, stderr)
	}

	wantLines(t, report,
		// (a) coverage
		`ours: 3 operations; upstream: 4; shared: 2; upstream-only: 2; ours-only: 1`,
		// (b) upstream-only operations, grouped by tag
		`  Widgets \(1\)`,
		`    GET +/v1/widgets +listWidgets`,
		`  \(untagged\) \(1\)`,
		`    DELETE +/v1/widgets/\{widgetId\} +deleteWidget`,
		`    GET +/v1/ours-only +oursOnly`,
		// (c) shared operations: parameters
		`  GET /v1/things \(listThings\)`,
		`    parameter query "perPage": type: ours integer, upstream string`,
		`    parameter query "perPage": minimum: ours 10, upstream none`,
		`    parameter query "perPage": maximum: ours 50, upstream none`,
		// status codes on one side only
		`    responses only ours: 429`,
		`    responses only upstream: 405`,
		// request bodies, with upstream's allOf merged
		`  POST /v1/things \(createThing\)`,
		`    operationId: ours createThing, upstream makeThing`,
		`    request body: property "count": only ours \(integer\)`,
		`    request body: property "color": only upstream \(string\)`,
		`    request body: property "owner": required: ours no, upstream yes`,
	)
	wantNoLines(t, report,
		// 3.0 nullable and 3.1 type arrays mean the same thing.
		`property "name"`,
		// Header names match case-insensitively.
		`Idempotency-Key`, `idempotency-key`,
		// Identical parameters are not reported.
		`"cursor"`,
	)
	if stderr != "" {
		t.Errorf("unexpected stderr: %s", stderr)
	}
}

func TestReportFromURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/openapi.yaml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write([]byte(upstreamSpec))
	}))
	defer srv.Close()
	ours := writeSpec(t, "ours.yaml", oursSpec)

	code, report, stderr := runCommand(t, "-ours", ours, "-upstream", srv.URL+"/openapi.yaml")
	if code != exitOK {
		t.Fatalf("exit status %d, want %d; stderr: %s", code, exitOK, stderr)
	}
	wantLines(t, report,
		`ours: 3 operations; upstream: 4; shared: 2; upstream-only: 2; ours-only: 1`,
		`    GET +/v1/widgets +listWidgets`,
	)

	code, _, stderr = runCommand(t, "-ours", ours, "-upstream", srv.URL+"/missing.yaml")
	if code != exitError || !strings.Contains(stderr, "404") {
		t.Errorf("missing URL: exit %d, stderr %q; want exit %d naming the 404", code, stderr, exitError)
	}
}

func TestDownloadTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ours := writeSpec(t, "ours.yaml", oursSpec)

	code, _, stderr := runCommand(t, "-ours", ours, "-upstream", srv.URL+"/slow.yaml", "-timeout", "100ms")
	if code != exitError {
		t.Errorf("exit status %d, want %d; stderr: %s", code, exitError, stderr)
	}
	if !strings.Contains(stderr, "downloading") {
		t.Errorf("stderr %q does not report the failed download", stderr)
	}
}

func TestExitStatus(t *testing.T) {
	ours := writeSpec(t, "ours.yaml", oursSpec)
	upstream := writeSpec(t, "upstream.yaml", upstreamSpec)
	broken := writeSpec(t, "broken.yaml", "openapi: [not, a, document\n")

	tests := []struct {
		name string
		args []string
		want int
	}{
		{"report only", []string{"-ours", ours, "-upstream", upstream}, exitOK},
		{"fail on missing with upstream-only operations", []string{"-ours", ours, "-upstream", upstream, "-fail-on-missing"}, exitMissing},
		{"fail on missing against itself", []string{"-ours", upstream, "-upstream", upstream, "-fail-on-missing"}, exitOK},
		{"no upstream", []string{"-ours", ours}, exitError},
		{"stray argument", []string{"-ours", ours, "-upstream", upstream, "extra"}, exitError},
		{"unknown flag", []string{"-nope"}, exitError},
		{"missing file", []string{"-ours", ours, "-upstream", filepath.Join(t.TempDir(), "absent.yaml")}, exitError},
		{"unparsable document", []string{"-ours", broken, "-upstream", upstream}, exitError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, stderr := runCommand(t, tc.args...); code != tc.want {
				t.Errorf("exit status %d, want %d; stderr: %s", code, tc.want, stderr)
			}
		})
	}
}

func TestDescribeSchemaNormalisesNull(t *testing.T) {
	load := func(name, content string) *openapi3.T {
		t.Helper()
		doc, err := loadDocument(context.Background(), writeSpec(t, name, content), time.Second, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	bodySchema := func(doc *openapi3.T) *openapi3.Schema {
		return doc.Paths.Value("/v1/things").Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	}
	tests := []struct {
		label string
		ref   *openapi3.SchemaRef
	}{
		{"3.0 nullable: true", bodySchema(load("ours.yaml", oursSpec)).Properties["name"]},
		{`3.1 type: [string, "null"]`, bodySchema(load("upstream.yaml", upstreamSpec)).AllOf[0].Value.Properties["name"]},
	}
	for _, tc := range tests {
		if got := describeSchema(tc.ref); got != "string|null" {
			t.Errorf("%s describes as %q, want string|null", tc.label, got)
		}
	}
}

// oursResponses is a tiny OpenAPI 3.0 contract whose operations differ from
// upstreamResponses only in their response bodies.
const oursResponses = `openapi: 3.0.3
info: {title: ours, version: "1"}
paths:
  /v1/lists:
    get:
      operationId: listLists
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/List"}
  /v1/lists/{listId}:
    get:
      operationId: getList
      parameters:
        - {name: listId, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/List"}
        "404":
          description: missing
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        "500":
          description: body on our side only
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
  /v1/contacts/find:
    get:
      operationId: findContact
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Contact"}
  /v1/things:
    get:
      operationId: listThings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {type: string}
components:
  schemas:
    List:
      type: object
      required: [id]
      properties:
        id: {type: string}
        name: {type: string, nullable: true}
        description: {type: string, nullable: true}
    Error:
      type: object
      properties:
        message: {type: string}
    Contact:
      type: object
      required: [id]
      properties:
        id: {type: string}
        userGroup: {type: string, nullable: true}
      additionalProperties:
        oneOf: [{type: string}, {type: number}, {type: boolean}]
`

// upstreamResponses is the OpenAPI 3.1 counterpart of oursResponses.
const upstreamResponses = `openapi: 3.1.0
info: {title: upstream, version: "2"}
paths:
  /v1/lists:
    get:
      operationId: listLists
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/List"}
  /v1/lists/{listId}:
    get:
      operationId: getList
      parameters:
        - {name: listId, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/List"}
        "404":
          description: missing
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        "500": {description: no body}
  /v1/contacts/find:
    get:
      operationId: findContact
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Contact"}
  /v1/things:
    get:
      operationId: listThings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  things: {type: array, items: {type: string}}
components:
  schemas:
    List:
      type: object
      required: [id]
      properties:
        id: {type: string}
        name: {type: [string, "null"]}
        description: {type: string}
        createdAt: {type: string, format: date-time}
    Error:
      type: object
      properties:
        message: {type: string}
    Contact:
      type: object
      properties:
        id: {type: string}
        userGroup: {type: string}
`

// operationLines returns the difference lines the report lists under the
// shared operation whose heading is header, such as "GET /v1/lists (listLists)".
func operationLines(report, header string) []string {
	var lines []string
	inside := false
	for _, line := range strings.Split(report, "\n") {
		switch {
		case line == "  "+header:
			inside = true
		case inside && strings.HasPrefix(line, "    "):
			lines = append(lines, strings.TrimPrefix(line, "    "))
		case inside:
			return lines
		}
	}
	return lines
}

func TestResponseBodies(t *testing.T) {
	ours := writeSpec(t, "ours.yaml", oursResponses)
	upstream := writeSpec(t, "upstream.yaml", upstreamResponses)

	code, report, stderr := runCommand(t, "-ours", ours, "-upstream", upstream)
	if code != exitOK {
		t.Fatalf("exit status %d, want %d; stderr: %s", code, exitOK, stderr)
	}

	tests := []struct {
		name   string
		header string
		want   []string
	}{
		{
			// 3.0 nullable and 3.1 type arrays agree ("name"); a nullability
			// difference and a property only upstream has are reported; the
			// identical 404 body and the 500 body only ours declares are not.
			name:   "object response",
			header: "GET /v1/lists/{listId} (getList)",
			want: []string{
				`response 200: property "createdAt": only upstream (string(date-time))`,
				`response 200: property "description": type: ours string|null, upstream string`,
			},
		},
		{
			name:   "array response: item properties",
			header: "GET /v1/lists (listLists)",
			want: []string{
				`response 200: item property "createdAt": only upstream (string(date-time))`,
				`response 200: item property "description": type: ours string|null, upstream string`,
			},
		},
		{
			name:   "array response: item required and additional properties",
			header: "GET /v1/contacts/find (findContact)",
			want: []string{
				`response 200: item property "id": required: ours yes, upstream no`,
				`response 200: item property "userGroup": type: ours string|null, upstream string`,
				`response 200: item additional properties: ours oneOf(string, number, boolean), upstream unspecified`,
			},
		},
		{
			name:   "array against object",
			header: "GET /v1/things (listThings)",
			want: []string{
				`response 200: type: ours array<string>, upstream object`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := operationLines(report, tc.header)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("lines under %s:\n%s\nwant:\n%s\nreport:\n%s",
					tc.header, strings.Join(got, "\n"), strings.Join(tc.want, "\n"), report)
			}
		})
	}
	wantLines(t, report, `Differences in shared operations \(4 of 4 differ\):`)

	// Map iteration order must not leak into the report.
	for range 5 {
		if _, again, _ := runCommand(t, "-ours", ours, "-upstream", upstream); again != report {
			t.Fatalf("report differs between runs:\n%s\nthen:\n%s", report, again)
		}
	}
}

func TestArrayItems(t *testing.T) {
	item := &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}}}
	tests := []struct {
		name      string
		ref       *openapi3.SchemaRef
		wantArray bool
	}{
		{"nil", nil, false},
		{"object", &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}}}, false},
		{"array", &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: item}}, true},
		{`3.1 type: [array, "null"]`, &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray, openapi3.TypeNull}, Items: item}}, true},
	}
	for _, tc := range tests {
		got, isArray := arrayItems(tc.ref)
		if isArray != tc.wantArray || (isArray && got != item) {
			t.Errorf("%s: arrayItems = %v, %v; want the item schema: %v", tc.name, got, isArray, tc.wantArray)
		}
	}
}

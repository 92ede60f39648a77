package loopsmcp

import (
	"encoding/json"
	"strings"
	"testing"
)

// rulesSpec has one operation per classification rule, the feedback
// operation the contract gains with Loops 1.25.0 among them, and a
// recursive schema.
const rulesSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
tags: [{name: Feedback}, {name: Things}]
paths:
  /v1/read:
    get: {operationId: readThing, tags: [Things], responses: {"200": {description: ok}}}
  /v1/write:
    post:
      operationId: writeThing
      tags: [Things]
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Node"}}}}
      responses: {"200": {description: ok}}
  /v1/things/{id}:
    delete:
      operationId: deleteThing
      tags: [Things]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /v1/send:
    post:
      operationId: sendThing
      tags: [Things]
      parameters: [{name: Idempotency-Key, in: header, schema: {type: string}}]
      responses: {"200": {description: ok}}
  /v1/feedback:
    post: {operationId: sendFeedback, tags: [Feedback], responses: {"200": {description: ok}}}
  /v1/purge:
    post: {operationId: purge, x-loops-safety: destructive, tags: [Things], responses: {"200": {description: ok}}}
  /v1/put:
    put: {operationId: putThing, tags: [Things], responses: {"200": {description: ok}}}
components:
  schemas:
    Node:
      type: object
      properties:
        name: {type: string, nullable: true, example: x}
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
`

func TestClassificationRules(t *testing.T) {
	c, err := parseCatalog([]byte(rulesSpec))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]struct {
		class                       Class
		keyed, approval, idempotent bool
	}{
		"readThing":    {class: Read, idempotent: true},
		"writeThing":   {class: Write},
		"deleteThing":  {class: Destructive, idempotent: true},
		"sendThing":    {class: Send, keyed: true},
		"sendFeedback": {class: Send, approval: true},
		"purge":        {class: Destructive},
		"putThing":     {class: Write, idempotent: true},
	} {
		op := c.byName[name]
		if op == nil {
			t.Errorf("%s missing", name)
			continue
		}
		if op.Class != want.class || op.Keyed != want.keyed || op.NeedsApproval != want.approval || op.Idempotent != want.idempotent {
			t.Errorf("%s: class %s keyed %v approval %v idempotent %v; want %+v", name, op.Class, op.Keyed, op.NeedsApproval, op.Idempotent, want)
		}
	}
	// The recursive schema goes to $defs; nullable and example become
	// JSON Schema's forms.
	b, _ := json.Marshal(c.byName["writeThing"].InputSchema)
	for _, want := range []string{`"$ref":"#/$defs/Node"`, `"type":["string","null"]`, `"examples":["x"]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("input schema lacks %s: %s", want, b)
		}
	}
	if strings.Contains(string(b), "nullable") || strings.Contains(string(b), "components/schemas") {
		t.Errorf("OpenAPI-only forms left in the schema: %s", b)
	}

	bad := strings.Replace(rulesSpec, "x-loops-safety: destructive", "x-loops-safety: dangerous", 1)
	if _, err := parseCatalog([]byte(bad)); err == nil || !strings.Contains(err.Error(), "dangerous") {
		t.Errorf("an unknown x-loops-safety: %v", err)
	}
}

package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"slices"
	"strings"
)

// webhookEvent is a webhook payload of the contract: a component schema
// named Webhook... whose eventName is an enum of one value.
type webhookEvent struct {
	schema, goName, name, doc string
}

// webhookEvents lists the contract's webhook payloads, by schema name.
func (g *generator) webhookEvents() []webhookEvent {
	var out []webhookEvent
	for _, schema := range g.c.sortedSchemaNames() {
		s := g.c.doc.Components.Schemas[schema].Value
		if !strings.HasPrefix(schema, "Webhook") || s == nil || s.Properties["eventName"] == nil {
			continue
		}
		if enum := s.Properties["eventName"].Value.Enum; len(enum) == 1 {
			name, _ := enum[0].(string)
			out = append(out, webhookEvent{schema, strings.TrimPrefix(schema, "Webhook"), name, s.Description})
		}
	}
	return out
}

// webhooks writes loops/webhooks/events.gen.go: one event type per
// webhook payload (the gen model, embedded, with the methods of Event),
// the Mux method that registers a function for it, aliases for the parts
// of the payloads, and for every model a decoder on the package's JSON
// reader, so that Parse needs no reflection.
func (g *generator) webhooks(b *bytes.Buffer) error {
	b.WriteString("package webhooks\n\nimport (\n\"context\"\n\"time\"\n\n\"github.com/loopsdev/loops-go/gen\"\n)\n\n")
	events := g.webhookEvents()
	isEvent := map[string]bool{}
	for _, ev := range events {
		isEvent[ev.schema] = true
	}
	structs := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if s := g.gen.structs[name]; s != nil && !structs[name] {
			structs[name] = true
			for _, f := range s.fields {
				_, elem := shape(f.typ)
				visit(identName(elem))
			}
		}
	}
	for _, ev := range events {
		visit(ev.schema)
	}
	// Parts: the structs and enums the payloads reach, but not the
	// payloads themselves nor their eventName enums.
	var parts, consts []string
	for _, name := range g.modelTypes() {
		if !strings.HasPrefix(name, "Webhook") || isEvent[name] || strings.HasSuffix(name, "EventName") {
			continue
		}
		parts = append(parts, name)
		consts = append(consts, g.gen.consts[name]...)
	}
	// rename spells a gen type as this package does: a part or a payload
	// by its alias here.
	rename := func(name string) string {
		switch {
		case isEvent[name]:
			return strings.TrimPrefix(name, "Webhook") + "Payload"
		case slices.Contains(parts, name):
			return strings.TrimPrefix(name, "Webhook")
		}
		return "gen." + name
	}
	comment(b, "The parts of the payloads, re-exported from package gen.")
	b.WriteString("type (\n")
	for _, name := range parts {
		doc := strings.TrimPrefix(strings.TrimSpace(g.gen.docs[name]), name+" ")
		doc = withFields(doc, g.fieldDocs(name, rename))
		comment(b, "%s is %s", strings.TrimPrefix(name, "Webhook"), lowerFirst(doc))
		fmt.Fprintf(b, "%s = gen.%s\n", strings.TrimPrefix(name, "Webhook"), name)
	}
	b.WriteString(")\n\n")
	if len(consts) > 0 {
		comment(b, "The values of the enums above.")
		b.WriteString("const (\n")
		for _, c := range consts {
			fmt.Fprintf(b, "%s = gen.%s\n", strings.TrimPrefix(c, "Webhook"), c)
		}
		b.WriteString(")\n\n")
	}
	for _, ev := range events {
		fields := g.fieldDocs(ev.schema, rename)
		comment(b, "%sPayload is the JSON of a %s event: the model %s embeds.\nA test builds one to make an event with [New%s].\n\n%s", ev.goName, ev.name, ev.goName, ev.goName, fields)
		fmt.Fprintf(b, "type %sPayload = gen.%s\n\n", ev.goName, ev.schema)
		comment(b, "New%s returns the %s event of p, with EventName set\nto %q, as a handler or [Mux] receives it.", ev.goName, ev.name, ev.name)
		fmt.Fprintf(b, "func New%s(p %sPayload) *%s {\n\tp.EventName = %q\n\treturn &%s{%s: p}\n}\n\n", ev.goName, ev.goName, ev.goName, ev.name, ev.goName, ev.schema)
		comment(b, "%s is the %s event.\n%s\nIts fields are those of %sPayload, which it embeds:\n\n%s", ev.goName, ev.name, strings.TrimSpace(ev.doc), ev.goName, fields)
		fmt.Fprintf(b, "type %s struct {\n\tgen.%s\n}\n\n", ev.goName, ev.schema)
		comment(b, "Name returns %q.", ev.name)
		fmt.Fprintf(b, "func (*%s) Name() string { return %q }\n\n", ev.goName, ev.name)
		comment(b, "Time returns eventTime, when the event happened, in UTC.")
		fmt.Fprintf(b, "func (e *%s) Time() time.Time { return unixTime(e.EventTime) }\n\n", ev.goName)
		fmt.Fprintf(b, "func (e *%s) decode(r *reader) error { return read%s(r, &e.%s) }\n\n", ev.goName, ev.schema, ev.schema)
		comment(b, "On%s makes the mux pass %s events to fn,\nreplacing any function registered for them before.", ev.goName, ev.name)
		fmt.Fprintf(b, "func (m *Mux) On%s(fn func(context.Context, *%s) error) { on(m, %q, fn) }\n\n", ev.goName, ev.goName, ev.name)
	}
	comment(b, "newEvent returns a new event of the type that name denotes, or nil.")
	b.WriteString("func newEvent(name string) Event {\n\tswitch name {\n")
	for _, ev := range events {
		fmt.Fprintf(b, "case %q:\n\treturn new(%s)\n", ev.name, ev.goName)
	}
	b.WriteString("}\nreturn nil\n}\n\n")
	names := map[string]string{}
	for _, ev := range events {
		names[ev.schema] = ev.name
	}
	for _, name := range sortedKeys(structs) {
		if err := g.webhookReader(b, g.gen.structs[name], structs, names[name]); err != nil {
			return err
		}
	}
	return nil
}

// webhookReader writes the decoder of one model: a switch on the key,
// with one read call per field, and the model's extra keys kept in
// AdditionalProperties (or skipped when it has none). An event's
// eventName must be the event's own.
func (g *generator) webhookReader(b *bytes.Buffer, s *goStruct, structs map[string]bool, event string) error {
	fmt.Fprintf(b, "func read%s(r *reader, x *gen.%s) error {\n\treturn r.object(func(key string) error {\n\t\tswitch key {\n", s.name, s.name)
	extra := "r.skip()"
	for _, f := range s.fields {
		if f.name == "AdditionalProperties" {
			extra = "readExtra(r, key, &x.AdditionalProperties)"
			continue
		}
		if f.json == "eventName" && event != "" {
			fmt.Fprintf(b, "case %q:\n\treturn readEventName(r, &x.%s, %q)\n", f.json, f.name, event)
			continue
		}
		call, err := g.webhookRead(f, structs)
		if err != nil {
			return fmt.Errorf("webhook model %s, field %s: %w", s.name, f.name, err)
		}
		fmt.Fprintf(b, "case %q:\n\treturn %s\n", f.json, call)
	}
	fmt.Fprintf(b, "}\nreturn %s\n})\n}\n\n", extra)
	return nil
}

// webhookRead returns the read call that decodes a field.
func (g *generator) webhookRead(f *goField, structs map[string]bool) (string, error) {
	k, elem := shape(f.typ)
	name := identName(elem)
	stringLike := name == "string" || g.isStringType(name)
	switch {
	case k == kindValue && stringLike:
		return "readString(r, &x." + f.name + ")", nil
	case k == kindPointer && stringLike:
		return "readStringPtr(r, &x." + f.name + ")", nil
	case k == kindValue && name == "int":
		return "readInt(r, &x." + f.name + ")", nil
	case k == kindValue && name == "bool":
		return "readBool(r, &x." + f.name + ")", nil
	case k == kindValue && structs[name]:
		return "read" + name + "(r, &x." + f.name + ")", nil
	case k == kindSlice && structs[name]:
		return "readSlice(r, &x." + f.name + ", read" + name + ")", nil
	case k == kindMap && name == "bool" && g.gen.typeString(f.typ.(*ast.MapType).Key) == "string":
		return "readBoolMap(r, &x." + f.name + ")", nil
	}
	return "", fmt.Errorf("the webhook decoder has no read function for %s; add one to loops/webhooks/json.go and a case here", g.gen.typeString(f.typ))
}

// isStringType reports whether a gen type is a named string (an enum).
func (g *generator) isStringType(name string) bool {
	t := g.gen.types[name]
	return t != nil && !t.Assign.IsValid() && identName(t.Type) == "string"
}

package loopstest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/loopsdev/loops-go/loops"
)

// propertyDef is a contact property as GET /v1/contacts/properties lists it.
type propertyDef struct {
	key, label, typ string
}

// standardProperties are the contact fields every team has.
var standardProperties = []propertyDef{
	{"email", "Email", "string"},
	{"firstName", "First Name", "string"},
	{"lastName", "Last Name", "string"},
	{"source", "Source", "string"},
	{"subscribed", "Subscribed", "boolean"},
	{"userGroup", "User Group", "string"},
	{"userId", "User ID", "string"},
}

// propertyName is the camelCase Loops asks for: a lower-case letter, then
// letters and digits.
var propertyName = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// listProperties lists the standard properties and the custom ones, or
// (list=custom) only the latter; the contract allows no other filter.
func (s *Server) listProperties(c *call) *response {
	var defs []propertyDef
	if c.r.URL.Query().Get("list") != "custom" {
		defs = append(defs, standardProperties...)
	}
	defs = append(defs, s.properties...)
	out := make([]loops.ContactProperty, len(defs))
	for i, d := range defs {
		out[i] = loops.ContactProperty{Key: d.key, Label: d.label, Type: d.typ}
	}
	return newJSON(http.StatusOK, out)
}

func (s *Server) createProperty(c *call) *response {
	name, _ := c.obj["name"].(string)
	typ, _ := c.obj["type"].(string) // one of the contract's enum
	if !propertyName.MatchString(name) {
		return failure(http.StatusBadRequest, fmt.Sprintf("Property name %q must be camelCase, such as planName.", name))
	}
	if s.propertyExists(name) {
		return failure(http.StatusBadRequest, fmt.Sprintf("A property named %q already exists.", name))
	}
	s.properties = append(s.properties, propertyDef{key: name, label: labelOf(name), typ: typ})
	return success()
}

// registerProperty records a custom property first seen in a write, typed
// after its value, so that the list shows it. (Loops wants properties
// created first; the fake is lenient so tests need no setup.) The caller
// holds s.mu.
func (s *Server) registerProperty(key string, v any) {
	if s.propertyExists(key) {
		return
	}
	s.properties = append(s.properties, propertyDef{key: key, label: labelOf(key), typ: jsonType(v)})
}

// propertyExists compares without regard to case, so that "planName" and
// "PlanName" cannot coexist. The caller holds s.mu.
func (s *Server) propertyExists(key string) bool {
	for _, d := range slices.Concat(standardProperties, s.properties) {
		if strings.EqualFold(d.key, key) {
			return true
		}
	}
	return false
}

// standardType returns the JSON type a standard contact field takes.
func standardType(key string) (string, bool) {
	for _, d := range standardProperties {
		if d.key == key {
			return d.typ, true
		}
	}
	return "", false
}

// hasType reports whether a decoded JSON value is of the property type want.
func hasType(v any, want string) bool { return jsonType(v) == want }

// jsonType names the property type of a decoded JSON scalar.
func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "boolean"
	case float64:
		return "number"
	}
	return "string"
}

// labelOf turns "planName" into "Plan Name", as the Loops app shows keys.
func labelOf(key string) string {
	var b strings.Builder
	for i, r := range key {
		switch {
		case i == 0:
			r = unicode.ToUpper(r)
		case unicode.IsUpper(r):
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

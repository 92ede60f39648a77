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

// standardProperties are the contact fields every team has, as GET
// /v1/contacts/properties lists them.
var standardProperties = []loops.ContactProperty{
	{Key: "email", Label: "Email", Type: "string"},
	{Key: "firstName", Label: "First Name", Type: "string"},
	{Key: "lastName", Label: "Last Name", Type: "string"},
	{Key: "source", Label: "Source", Type: "string"},
	{Key: "subscribed", Label: "Subscribed", Type: "boolean"},
	{Key: "userGroup", Label: "User Group", Type: "string"},
	{Key: "userId", Label: "User ID", Type: "string"},
}

// propertyName is the camelCase Loops asks for: a lower-case letter, then
// letters and digits.
var propertyName = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// listProperties lists the standard properties and the custom ones, or
// (list=custom) only the latter; the contract allows no other filter.
func (s *Server) listProperties(c *call) *response {
	if c.r.URL.Query().Get("list") == "custom" {
		return newJSON(http.StatusOK, append([]loops.ContactProperty{}, s.properties...))
	}
	return newJSON(http.StatusOK, slices.Concat(standardProperties, s.properties))
}

func (s *Server) createProperty(c *call) *response {
	name, _ := c.obj["name"].(string)
	typ, _ := c.obj["type"].(string) // one of the contract's enum
	if !propertyName.MatchString(name) {
		return failure(http.StatusBadRequest, fmt.Sprintf("Property name %q must be camelCase, such as planName.", name))
	}
	if !s.addProperty(name, typ) {
		return failure(http.StatusBadRequest, fmt.Sprintf("A property named %q already exists.", name))
	}
	return s.answer(c.rt, object{"success": true})
}

// addProperty records a custom property unless one of that name exists,
// compared without regard to case so that "planName" and "PlanName"
// cannot coexist, and reports whether it did. The caller holds s.mu.
func (s *Server) addProperty(key, typ string) bool {
	if slices.ContainsFunc(slices.Concat(standardProperties, s.properties), func(d loops.ContactProperty) bool { return strings.EqualFold(d.Key, key) }) {
		return false
	}
	s.properties = append(s.properties, loops.ContactProperty{Key: key, Label: labelOf(key), Type: typ})
	return true
}

// standardType returns the JSON type a standard contact field takes.
func standardType(key string) (string, bool) {
	i := slices.IndexFunc(standardProperties, func(d loops.ContactProperty) bool { return d.Key == key })
	if i < 0 {
		return "", false
	}
	return standardProperties[i].Type, true
}

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

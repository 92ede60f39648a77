package webhooks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/loopsdev/loops-go/gen"
)

// maxDepth bounds the nesting of arrays and objects, as encoding/json does.
const maxDepth = 10000

// reader decodes the JSON of a payload in one pass, with no reflection:
// the generated readWebhook* functions walk the payload types with it.
// It accepts exactly what encoding/json accepts, and decodes a value as
// encoding/json would decode it into the same field, with two exceptions:
// keys match field names exactly (not without regard to case), and the
// first wrong-typed value ends decoding. It reads a string copy of the
// body, so that a string without escapes is a substring of it, not a new
// allocation.
type reader struct {
	s     string
	i     int
	depth int
}

// fail reports a syntax or type error at the current offset.
func (r *reader) fail(what string) error {
	return fmt.Errorf("%w: offset %d: %s", ErrInvalidPayload, r.i, what)
}

// peek skips white space and returns the next byte, or 0 at the end.
func (r *reader) peek() byte {
	for ; r.i < len(r.s); r.i++ {
		switch c := r.s[r.i]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// top reads a whole document with read, which must consume one object.
func (r *reader) top(read func(*reader) error) error {
	if r.peek() != '{' {
		return r.fail("the payload is not a JSON object")
	}
	if err := read(r); err != nil {
		return err
	}
	if r.peek() != 0 {
		return r.fail("data after the object")
	}
	return nil
}

// null consumes a null literal if one comes next.
func (r *reader) null() (bool, error) {
	if r.peek() != 'n' {
		return false, nil
	}
	return true, r.literal("null")
}

func (r *reader) literal(word string) error {
	if len(r.s)-r.i < len(word) || r.s[r.i:r.i+len(word)] != word {
		return r.fail("invalid literal")
	}
	r.i += len(word)
	return nil
}

// object reads an object, or null, calling member for each key with the
// reader at the key's value, which member must consume.
func (r *reader) object(member func(key string) error) error {
	if isNull, err := r.null(); isNull || err != nil {
		return err
	}
	return r.nested('{', '}', func() error {
		if r.peek() != '"' {
			return r.fail("want an object key")
		}
		key, err := r.key()
		if err != nil {
			return err
		}
		if r.peek() != ':' {
			return r.fail("want ':' after an object key")
		}
		r.i++
		return member(key)
	})
}

// nested reads the items of an array or object between open and end.
func (r *reader) nested(open, end byte, item func() error) error {
	if r.peek() != open {
		return r.fail("want '" + string(open) + "'")
	}
	if r.depth++; r.depth > maxDepth {
		return r.fail("nested too deeply")
	}
	r.i++
	if r.peek() == end {
		r.i++
		r.depth--
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.i++
		case end:
			r.i++
			r.depth--
			return nil
		default:
			return r.fail("want ',' or '" + string(end) + "'")
		}
	}
}

// quoted reads a string and returns what lies between its quotes; plain
// tells that it has no escapes and is valid UTF-8, so it is the value.
func (r *reader) quoted() (raw string, plain bool, err error) {
	b, start, ascii := r.s, r.i+1, true
	plain = true
	for i := start; ; i++ {
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if i >= len(b) {
			r.i = len(b)
			return "", false, r.fail("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			r.i = i + 1
			raw = b[start:i]
			return raw, plain && (ascii || utf8.ValidString(raw)), nil
		case c == '\\':
			plain = false
			r.i = i
			next := byte(0)
			if i+1 < len(b) {
				next = b[i+1]
			}
			switch {
			case next != 0 && strings.IndexByte(`"\/bfnrt`, next) >= 0:
				i++
			case next == 'u' && i+5 < len(b) && isHex(b[i+2:i+6]):
				i += 5
			default:
				return "", false, r.fail("invalid escape")
			}
		case c < 0x20:
			r.i = i
			return "", false, r.fail("control character in a string")
		default:
			ascii = false
		}
	}
}

// plainByte tells the bytes that need no attention inside a string.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// unquote decodes the escapes of the string that ends just before r.i.
func (r *reader) unquote(raw string) (string, error) {
	end := r.i
	var s string
	if err := json.Unmarshal([]byte(r.s[end-len(raw)-2:end]), &s); err != nil {
		return "", r.fail(err.Error())
	}
	return s, nil
}

// key reads an object key.
func (r *reader) key() (string, error) {
	raw, plain, err := r.quoted()
	if err != nil || plain {
		return raw, err
	}
	return r.unquote(raw)
}

// string reads a string value.
func (r *reader) string() (string, error) {
	if r.peek() != '"' {
		return "", r.fail("want a string")
	}
	return r.key()
}

// number reads a number as JSON spells it.
func (r *reader) number() (string, error) {
	b, start := r.s, r.i
	digits := func() bool {
		n := r.i
		for r.i < len(b) && '0' <= b[r.i] && b[r.i] <= '9' {
			r.i++
		}
		return r.i > n
	}
	if r.i < len(b) && b[r.i] == '-' {
		r.i++
	}
	switch {
	case r.i < len(b) && b[r.i] == '0':
		r.i++
	case !digits():
		return "", r.fail("invalid number")
	}
	if r.i < len(b) && b[r.i] == '.' {
		r.i++
		if !digits() {
			return "", r.fail("invalid number")
		}
	}
	if r.i < len(b) && (b[r.i] == 'e' || b[r.i] == 'E') {
		r.i++
		if r.i < len(b) && (b[r.i] == '+' || b[r.i] == '-') {
			r.i++
		}
		if !digits() {
			return "", r.fail("invalid number")
		}
	}
	return b[start:r.i], nil
}

// skip reads and checks one value of any kind, and drops it.
func (r *reader) skip() error {
	switch c := r.peek(); c {
	case '{':
		return r.object(func(string) error { return r.skip() })
	case '[':
		return r.nested('[', ']', r.skip)
	case '"':
		_, _, err := r.quoted()
		return err
	case 't':
		return r.literal("true")
	case 'f':
		return r.literal("false")
	case 'n':
		return r.literal("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			_, err := r.number()
			return err
		}
		return r.fail("want a value")
	}
}

// value reads any value as encoding/json decodes it into an interface:
// string, float64, bool, nil, []any or map[string]any.
func (r *reader) value() (any, error) {
	switch c := r.peek(); {
	case c == '"':
		return r.string()
	case c == 't':
		return true, r.literal("true")
	case c == 'f':
		return false, r.literal("false")
	case c == 'n':
		return nil, r.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		n, err := r.number()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return nil, r.fail("number out of range")
		}
		return f, nil
	}
	start := r.i
	if err := r.skip(); err != nil {
		return nil, err
	}
	var v any
	_ = json.Unmarshal([]byte(r.s[start:r.i]), &v) // skip has checked the syntax
	return v, nil
}

// The read functions below decode one field each; null leaves a value
// as it is and sets a pointer, map or slice to nil, as encoding/json does.

func readString[T ~string](r *reader, p *T) error {
	if isNull, err := r.null(); isNull || err != nil {
		return err
	}
	s, err := r.string()
	*p = T(s)
	return err
}

func readStringPtr[T ~string](r *reader, p **T) error {
	if isNull, err := r.null(); isNull || err != nil {
		*p = nil
		return err
	}
	s, err := r.string()
	v := T(s)
	*p = &v
	return err
}

func readInt(r *reader, p *int) error {
	if isNull, err := r.null(); isNull || err != nil {
		return err
	}
	if c := r.peek(); c != '-' && (c < '0' || c > '9') {
		return r.fail("want an integer")
	}
	n, err := r.number()
	if err != nil {
		return err
	}
	v, err := strconv.ParseInt(n, 10, strconv.IntSize)
	if err != nil {
		return r.fail("want an integer")
	}
	*p = int(v)
	return nil
}

func readBool(r *reader, p *bool) error {
	switch r.peek() {
	case 't':
		*p = true
		return r.literal("true")
	case 'f':
		*p = false
		return r.literal("false")
	case 'n':
		return r.literal("null")
	}
	return r.fail("want true or false")
}

func readBoolMap(r *reader, p *map[string]bool) error {
	if isNull, err := r.null(); isNull || err != nil {
		*p = nil
		return err
	}
	if *p == nil {
		*p = map[string]bool{}
	}
	return r.object(func(key string) error {
		var v bool
		err := readBool(r, &v)
		(*p)[key] = v
		return err
	})
}

func readSlice[T any](r *reader, p *[]T, item func(*reader, *T) error) error {
	if isNull, err := r.null(); isNull || err != nil {
		*p = nil
		return err
	}
	if *p = (*p)[:0]; *p == nil {
		*p = []T{} // empty, not nil, as encoding/json decodes []
	}
	return r.nested('[', ']', func() error {
		var zero T
		*p = append(*p, zero)
		return item(r, &(*p)[len(*p)-1])
	})
}

// readExtra keeps a key that is no field, such as a custom contact
// property, in the model's AdditionalProperties.
func readExtra(r *reader, key string, p *map[string]gen.PropertyValue) error {
	v, err := r.value()
	if err != nil {
		return err
	}
	if *p == nil {
		*p = map[string]gen.PropertyValue{}
	}
	(*p)[key] = v
	return nil
}

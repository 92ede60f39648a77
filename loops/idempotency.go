package loops

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// idempotencyHeader is the header Loops reads on the two send endpoints.
const idempotencyHeader = "Idempotency-Key"

// maxIdempotencyKeyLen is Loops' documented limit. Longer keys are
// refused, never truncated: two keys cut to the same prefix would collide.
const maxIdempotencyKeyLen = 100

// newIdempotencyKey returns a random (version 4) UUID, the form Loops
// recommends.
func newIdempotencyKey() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// checkIdempotencyKey applies Loops' rules to a caller's key: present, at
// most 100 characters (runes, not bytes), nothing a header cannot carry,
// and no surrounding whitespace, which a header would lose.
func checkIdempotencyKey(op, key string) error {
	const field = "Idempotency-Key"
	switch {
	case key == "":
		return invalid(op, field, "must not be empty")
	case utf8.RuneCountInString(key) > maxIdempotencyKeyLen:
		return invalid(op, field, "is longer than 100 characters (Loops' limit; keys are never truncated)")
	case hasControl(key):
		return invalid(op, field, "contains a control character")
	case strings.TrimSpace(key) != key:
		// net/http would trim it on the wire: two keys that differ only
		// in spaces would collide, and a key of spaces would arrive empty.
		return invalid(op, field, "has leading or trailing whitespace (keys are sent exactly or not at all)")
	}
	return nil
}

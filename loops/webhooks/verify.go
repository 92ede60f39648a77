package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The headers of a delivery, as Standard Webhooks names them.
const (
	// HeaderID carries the message's unique ID; a redelivery keeps it.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries when the message was signed, in Unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries space-separated "v1,<base64 HMAC-SHA256>" signatures.
	HeaderSignature = "webhook-signature"
)

// The canonical forms of the header names, to read http.Header directly.
const (
	canonicalID        = "Webhook-Id"
	canonicalTimestamp = "Webhook-Timestamp"
	canonicalSignature = "Webhook-Signature"
)

// DefaultTolerance is how far a delivery's timestamp may be from the
// verifier's clock, either way, unless WithTolerance says otherwise.
const DefaultTolerance = 5 * time.Minute

// The errors of verification, matched with errors.Is. None of them, nor
// any error of this package, holds a secret or the body.
var (
	// ErrMissingHeader: one of the three webhook headers is absent or empty.
	ErrMissingHeader = errors.New("webhooks: missing webhook header")
	// ErrInvalidTimestamp: webhook-timestamp is not an integer.
	ErrInvalidTimestamp = errors.New("webhooks: webhook-timestamp is not an integer")
	// ErrExpired: the timestamp is further from now than the tolerance,
	// in the past or in the future.
	ErrExpired = errors.New("webhooks: timestamp outside the tolerance")
	// ErrBadSignature: no v1 signature matches the body under any secret.
	ErrBadSignature = errors.New("webhooks: no signature matches")
	// ErrMalformedSecret: a secret is not "whsec_" followed by base64.
	ErrMalformedSecret = errors.New("webhooks: malformed signing secret")
)

// Option configures a Verifier or a Handler. The options about signatures
// and time apply to both; the others only to a Handler.
type Option func(*config)

type config struct {
	secrets     []string
	tolerance   time.Duration
	now         func() time.Time
	maxBody     int64
	readTimeout time.Duration
	store       ReplayStore
	noStore     bool
	logger      *slog.Logger
}

func newConfig(opts []Option) config {
	c := config{tolerance: DefaultTolerance, now: time.Now, maxBody: DefaultMaxBodySize, readTimeout: DefaultReadTimeout}
	for _, opt := range opts {
		opt(&c)
	}
	return c
}

// WithSecrets adds secrets that signatures may also be made with, such as
// the old and the new secret while you rotate them.
func WithSecrets(secrets ...string) Option {
	return func(c *config) { c.secrets = append(c.secrets, secrets...) }
}

// WithTolerance sets how far a delivery's timestamp may be from now,
// either way. Zero or less turns the check off, which lets a captured
// delivery be replayed forever: do it only behind replay protection of
// your own.
func WithTolerance(d time.Duration) Option {
	return func(c *config) { c.tolerance = d }
}

// WithClock sets the source of the current time for the timestamp check
// and the default replay store; a nil function is ignored.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// Verifier checks that deliveries were signed by Loops (the Standard
// Webhooks scheme), with one or more secrets. It is safe for concurrent
// use.
type Verifier struct {
	keys      []*key
	tolerance time.Duration
	now       func() time.Time
}

// key is one secret's HMAC key, with a pool of hashes keyed with it.
type key struct{ pool sync.Pool }

// signer computes one signature without allocating once warm.
type signer struct {
	mac    hash.Hash
	prefix []byte
	sum    [sha256.Size]byte
	b64    [44]byte // base64 of sum
	theirs [44]byte // a signature of the header, to compare with b64
}

// NewVerifier returns a verifier for the secret from the Loops webhook
// settings ("whsec_" and base64) and any given by WithSecrets. A secret
// that does not decode gives an error matching ErrMalformedSecret.
func NewVerifier(secret string, opts ...Option) (*Verifier, error) {
	c := newConfig(opts)
	return newVerifier(secret, c)
}

func newVerifier(secret string, c config) (*Verifier, error) {
	v := &Verifier{tolerance: c.tolerance, now: c.now}
	for i, s := range append([]string{secret}, c.secrets...) {
		raw, err := decodeSecret(s)
		if err != nil {
			return nil, fmt.Errorf("%w (secret %d of %d): %v", ErrMalformedSecret, i+1, len(c.secrets)+1, err)
		}
		k := &key{}
		k.pool.New = func() any { return &signer{mac: hmac.New(sha256.New, raw)} }
		v.keys = append(v.keys, k)
	}
	return v, nil
}

// decodeSecret returns the key of a secret: the base64 after the first
// "_", or the whole secret when it has none.
func decodeSecret(s string) ([]byte, error) {
	if _, after, ok := strings.Cut(s, "_"); ok {
		s = after
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err == nil && len(raw) == 0 {
		err = errors.New("empty key")
	}
	return raw, err
}

// Verify checks a delivery's headers and raw body, before anything
// decodes it: all three webhook headers present, an integer timestamp
// within the tolerance, and a "v1," signature among the header's entries
// that matches one of the secrets (compared in constant time). Entries of
// any other version never match.
func (v *Verifier) Verify(header http.Header, body []byte) error {
	id, ts, sigs := first(header, canonicalID), first(header, canonicalTimestamp), first(header, canonicalSignature)
	switch {
	case id == "":
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderID)
	case ts == "":
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderTimestamp)
	case sigs == "":
		return fmt.Errorf("%w: %s", ErrMissingHeader, HeaderSignature)
	}
	sec, ok := parseTimestamp(ts)
	if !ok {
		return ErrInvalidTimestamp
	}
	if v.tolerance > 0 {
		skew := v.now().Sub(time.Unix(sec, 0))
		if skew > v.tolerance || skew < -v.tolerance {
			return fmt.Errorf("%w: timestamp %d is %v from now (tolerance %v)", ErrExpired, sec, skew.Round(time.Second), v.tolerance)
		}
	}
	for _, k := range v.keys {
		if k.matches(id, sec, body, sigs) {
			return nil
		}
	}
	return ErrBadSignature
}

// Parse verifies a delivery and then decodes its body (see Parse).
func (v *Verifier) Parse(header http.Header, body []byte) (Event, error) {
	if err := v.Verify(header, body); err != nil {
		return nil, err
	}
	return Parse(body)
}

func first(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseTimestamp accepts only decimal digits: no sign, space or fraction.
func parseTimestamp(s string) (int64, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// matches reports whether any v1 entry of the signature header is the
// signature of the message under this key.
func (k *key) matches(id string, ts int64, body []byte, header string) bool {
	s := k.pool.Get().(*signer)
	defer k.pool.Put(s)
	want := s.sign(id, ts, body)
	return eachV1(header, func(sig string) bool {
		return len(sig) == len(want) && hmac.Equal(s.theirs[:copy(s.theirs[:], sig)], want)
	})
}

// sign returns the base64 signature of id.ts.body, in s's own buffer.
func (s *signer) sign(id string, ts int64, body []byte) []byte {
	s.prefix = append(s.prefix[:0], id...)
	s.prefix = append(s.prefix, '.')
	s.prefix = strconv.AppendInt(s.prefix, ts, 10)
	s.prefix = append(s.prefix, '.')
	s.mac.Reset()
	s.mac.Write(s.prefix)
	s.mac.Write(body)
	base64.StdEncoding.Encode(s.b64[:], s.mac.Sum(s.sum[:0]))
	return s.b64[:]
}

// eachV1 calls match with the signature of each "v1,<signature>" entry of
// a webhook-signature header, in order, until match reports true. Entries
// are separated by spaces; an entry of another version, or with no comma,
// is skipped.
func eachV1(header string, match func(sig string) bool) bool {
	for header != "" {
		var entry string
		entry, header, _ = strings.Cut(header, " ")
		if version, sig, ok := strings.Cut(entry, ","); ok && version == "v1" && match(sig) {
			return true
		}
	}
	return false
}

// Sign returns the webhook-signature value ("v1," and the base64 HMAC)
// that Loops would send with body under this id and timestamp, signed
// with secret. It is for tests, such as loopstest's deliveries.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	raw, err := decodeSecret(secret)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrMalformedSecret, err)
	}
	s := signer{mac: hmac.New(sha256.New, raw)}
	return "v1," + string(s.sign(id, timestamp.Unix(), body)), nil
}

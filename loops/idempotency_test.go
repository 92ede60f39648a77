package loops

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestNewIdempotencyKeyIsAUniqueUUIDv4(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		k := newIdempotencyKey()
		if !re.MatchString(k) {
			t.Fatalf("key %q is not a version 4 UUID", k)
		}
		if seen[k] {
			t.Fatalf("duplicate key %q", k)
		}
		seen[k] = true
	}
}

func TestCheckIdempotencyKey(t *testing.T) {
	tests := []struct {
		key     string
		wantErr string
	}{
		{"order-42", ""},
		{strings.Repeat("k", 100), ""},
		{"", "must not be empty"},
		{strings.Repeat("k", 101), "longer than 100"},
		{"a\nb", "control character"},
		{"a\x00b", "control character"},
		{"a\x7fb", "control character"},
	}
	for _, tt := range tests {
		err := checkIdempotencyKey("Events.Send", tt.key)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("key %q: unexpected error %v", tt.key, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("key %q: error %v, want one containing %q", tt.key, err, tt.wantErr)
		case err != nil && !errors.Is(err, ErrInvalidInput):
			t.Errorf("key %q: error is not a validation error", tt.key)
		}
	}
}

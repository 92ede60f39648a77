package loops

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// A server that declares a large Content-Length and then sends little
// costs what arrived, not what it declared; the 16 MiB cap still holds.
func TestReadBodyGrowsWithWhatArrives(t *testing.T) {
	stalled := errors.New("stalled")
	resp := &http.Response{
		ContentLength: maxResponseBody,
		Body:          io.NopCloser(io.MultiReader(strings.NewReader(`{"success":true}`), &failingReader{stalled})),
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readBody(resp)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, stalled) {
		t.Fatalf("got %v, want the read error", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("reading 16 bytes of a declared 16 MiB allocated %d bytes", got)
	}
	big := &http.Response{ContentLength: maxResponseBody + 1, Body: io.NopCloser(strings.NewReader("x"))}
	if _, err := readBody(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a declared body over the cap: %v", err)
	}
}

// A body of undeclared length is read up to the cap and refused one byte
// past it. The cap is a parameter of the same code (readBody passes
// maxResponseBody, as the declared-length checks above show): a cap a few
// times smallBody reads in microseconds, where 16 MiB of doubling buffer
// copies cost the race detector seconds.
func TestReadBodyCapsAnUndeclaredLength(t *testing.T) {
	const limit = 4 * smallBody
	undeclared := func(n int64) *http.Response {
		return &http.Response{ContentLength: -1, Body: io.NopCloser(io.LimitReader(zeros{}, n))}
	}
	if b, err := readBodyUpTo(undeclared(limit), limit); err != nil || len(b) != limit {
		t.Errorf("an undeclared body of exactly the cap: %d bytes, %v", len(b), err)
	}
	for _, n := range []int64{limit + 1, limit + 10, 10 * limit} {
		if _, err := readBodyUpTo(undeclared(n), limit); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("larger than %d bytes", limit)) {
			t.Errorf("an undeclared body of %d bytes over a cap of %d: %v", n, limit, err)
		}
	}
	declared := &http.Response{ContentLength: limit + 1, Body: io.NopCloser(strings.NewReader("x"))}
	if _, err := readBodyUpTo(declared, limit); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a declared body over the cap: %v", err)
	}
}

type failingReader struct{ err error }

func (f *failingReader) Read([]byte) (int, error) { return 0, f.err }

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

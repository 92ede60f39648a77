package loops

import (
	"errors"
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
	undeclared := &http.Response{ContentLength: -1, Body: io.NopCloser(io.LimitReader(zeros{}, maxResponseBody+10))}
	if _, err := readBody(undeclared); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("an undeclared body over the cap: %v", err)
	}
}

type failingReader struct{ err error }

func (f *failingReader) Read([]byte) (int, error) { return 0, f.err }

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

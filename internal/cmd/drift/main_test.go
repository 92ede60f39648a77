package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// root is the repository's root, from this package's directory.
const root = "../../.."

// spec writes the gunzipped copy of one of Loops' documents kept in
// internal/drift/testdata into a temporary file, and returns its path.
func spec(t *testing.T, version string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "internal/drift/testdata/loops-openapi-"+version+".yaml.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "loops-openapi-"+version+".yaml")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// committed are the flags that point the command at the repository's files.
func committed() []string {
	return []string{
		"-contract", root + "/openapi/loops.yaml",
		"-digest", root + "/openapi/upstream.lock.json",
		"-differences", root + "/openapi/upstream-differences.yaml",
		"-facts", root + "/openapi/upstream-facts.yaml",
	}
}

// The command's exit statuses, as make and CI read them: 0 when the gate
// passes (make drift, and make drift SPEC= the digested 1.21.14), 1 when it
// fails (upstream at 1.21.6 is a move away from the digest), 2 on bad
// arguments or unreadable input.
func TestExitStatus(t *testing.T) {
	v14, v6 := spec(t, "1.21.14"), spec(t, "1.21.6")
	tests := []struct {
		name     string
		args     []string
		want     int
		lastLine string
	}{
		{"make drift", committed(), 0, "drift: the contract matches upstream, but for the reviewed differences"},
		{"make drift SPEC=1.21.14", append(committed(), "-spec", v14), 0, "drift: the contract matches upstream, but for the reviewed differences"},
		{"make drift SPEC=1.21.6", append(committed(), "-spec", v6), 1, "  make drift SPEC=" + v6 + " && go test ./..."},
		{"-update without -spec", append(committed(), "-update"), 2, ""},
		{"-propose without -spec", append(committed(), "-propose", filepath.Join(t.TempDir(), "x.yaml")), 2, ""},
		{"an argument", append(committed(), "extra"), 2, ""},
		{"an unreadable spec", append(committed(), "-spec", filepath.Join(t.TempDir(), "missing.yaml")), 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each run reads its own files and writes only to its buffers
			var stdout, stderr bytes.Buffer
			got := run(context.Background(), tt.args, &stdout, &stderr)
			if got != tt.want {
				t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.want, stdout.String(), stderr.String())
			}
			if tt.lastLine == "" {
				if stderr.Len() == 0 {
					t.Error("nothing on stderr says what was wrong")
				}
				return
			}
			lines := strings.Split(strings.TrimRight(stdout.String(), "\n"), "\n")
			if last := lines[len(lines)-1]; last != tt.lastLine {
				t.Errorf("the report ends with %q, want %q\n%s", last, tt.lastLine, stdout.String())
			}
		})
	}
}

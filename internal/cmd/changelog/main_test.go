package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBreakingNeedsAMajorEntry(t *testing.T) {
	tests := []struct {
		since, changelog string
		want             int
	}{
		{"v0.1.0", "## [Unreleased]\n## [0.2.0] - 2026-12-02\n", 0},
		{"v0.1.0", "## [0.1.1] - 2026-12-02\n", 1},
		{"v0.1.0", "## [0.1.0] - 2026-11-26\n", 1},
		{"v1.4.2", "## [1.5.0] - 2026-12-02\n", 1},
		{"v1.4.2", "## [2.0.0] - 2026-12-02\n## [1.4.2]\n", 0},
		{"v0.9.0", "## [1.0.0]\n", 0},
		{"v0.1.0", "no entries\n", 2},
		{"latest", "## [1.0.0]\n", 2},
	}
	for _, tt := range tests {
		file := filepath.Join(t.TempDir(), "CHANGELOG.md")
		if err := os.WriteFile(file, []byte(tt.changelog), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if got := run([]string{"-breaking-since", tt.since, "-file", file}, &out, &errOut); got != tt.want {
			t.Errorf("since %s with %q: exit %d, want %d (%s%s)", tt.since, tt.changelog, got, tt.want, out.String(), errOut.String())
		}
		if tt.want == 1 && !strings.Contains(out.String(), "not a major release") {
			t.Errorf("the refusal does not say what to do: %s", out.String())
		}
	}
}

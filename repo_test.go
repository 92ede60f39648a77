package loopsgo

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// maxTrackedFile is the largest file the repository may hold: every clone
// and every `go get` downloads the whole tree.
const maxTrackedFile = 1 << 20

// executableMagic are the first bytes of compiled programs (ELF, Mach-O in
// both byte orders and 64-bit forms, PE).
var executableMagic = [][]byte{
	[]byte("\x7fELF"),
	{0xfe, 0xed, 0xfa, 0xce}, {0xce, 0xfa, 0xed, 0xfe},
	{0xfe, 0xed, 0xfa, 0xcf}, {0xcf, 0xfa, 0xed, 0xfe},
	[]byte("MZ"),
}

// TestNoBinariesTracked keeps built programs and large data out of the
// repository: no tracked file over 1 MB, none that is a compiled executable.
func TestNoBinariesTracked(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout (git ls-files: %v); nothing to check", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		data, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue // deleted in the work tree, about to be committed
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > maxTrackedFile {
			t.Errorf("%s is %d bytes; tracked files must stay under 1 MB", name, len(data))
		}
		for _, magic := range executableMagic {
			if bytes.HasPrefix(data, magic) {
				t.Errorf("%s is a compiled executable; remove it and let .gitignore cover it", name)
			}
		}
	}
}

// runtimeDependencies are the only modules outside the standard library
// that a program importing package loops links (the README lists them).
var runtimeDependencies = []string{
	"github.com/apapsch/go-jsonmerge/v2",
	"github.com/google/uuid",
	"github.com/oapi-codegen/nullable",
	"github.com/oapi-codegen/runtime",
	"golang.org/x/time",
}

// TestRuntimeDependencies fails when package loops starts linking a module
// that is not in the list above, such as kin-openapi (which only
// loops/loopstest and the tests may use).
func TestRuntimeDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}", "./loops").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := map[string]bool{}
	for _, mod := range strings.Fields(string(out)) {
		if !seen[mod] && !slices.Contains(runtimeDependencies, mod) {
			t.Errorf("package loops links %s, which is not a listed runtime dependency", mod)
		}
		seen[mod] = true
	}
	if len(seen) == 0 {
		t.Error("go list found no dependencies at all; the check is not working")
	}
}

package loopsgo

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxReadmeLines keeps README.md a user's guide: contributor material
// belongs in CONTRIBUTING.md, figures in docs/performance.md.
const maxReadmeLines = 350

// TestReadmeCodeIsCompiled fails when a ```go block of README.md is not,
// modulo whitespace and indentation, a run of whole lines of some Example
// (or Test) function in a _test.go file of this repository, contrib and
// examples included: every snippet a user copies is compiled, and run where
// the function has an Output comment, so README and code cannot drift. It
// also holds the README to maxReadmeLines lines.
func TestReadmeCodeIsCompiled(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	if n := strings.Count(readme, "\n"); n > maxReadmeLines {
		t.Errorf("README.md has %d lines; keep it at most %d (contributor material goes in CONTRIBUTING.md)", n, maxReadmeLines)
	}
	blocks := goBlocks(readme)
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block; the check is not working")
	}
	funcs, err := exampleSources(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(funcs) == 0 {
		t.Fatal("no Example or Test functions found; the check is not working")
	}
	for _, b := range blocks {
		if !blockFound(b.code, funcs) {
			t.Errorf("README.md line %d: this ```go block is not in any Example or Test function (modulo whitespace); copy it from the one it mirrors:\n%s",
				b.line, firstLines(b.code, 4))
		}
	}
}

// TestReadmeCheckCanFail shows that blockFound rejects what is not there:
// a changed line, lines out of order, a partial line.
func TestReadmeCheckCanFail(t *testing.T) {
	src := []string{normalizeCode("func Example() {\n\tx := 1\n\tif x > 0 {\n\t\tfmt.Println(x)\n\t}\n}")}
	for code, want := range map[string]bool{
		"x := 1\nif x > 0 {":         true,
		"  x :=   1\n\n  if x > 0 {": true,
		"x := 2":                     false,
		"if x > 0 {\nx := 1":         false,
		"x :=":                       false,
		"fmt.Println(x)\n}\n}\n}":    false,
	} {
		if got := blockFound(code, src); got != want {
			t.Errorf("blockFound(%q) = %v, want %v", code, got, want)
		}
	}
}

type codeBlock struct {
	line int // 1-based line of the opening fence
	code string
}

// goBlocks returns the contents of README's ```go fences.
func goBlocks(md string) []codeBlock {
	var out []codeBlock
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```go" {
			continue
		}
		start := i
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		out = append(out, codeBlock{line: start + 1, code: strings.Join(body, "\n")})
	}
	return out
}

// exampleSources returns the normalized source of every Example and Test
// function declared in a _test.go file under root.
func exampleSources(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "build") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !(strings.HasPrefix(fn.Name.Name, "Example") || strings.HasPrefix(fn.Name.Name, "Test")) {
				continue
			}
			from, to := fset.Position(fn.Pos()).Offset, fset.Position(fn.End()).Offset
			out = append(out, normalizeCode(string(src[from:to])))
		}
		return nil
	})
	return out, err
}

// blockFound reports whether code, normalized, is a run of whole lines of
// one of the normalized sources.
func blockFound(code string, sources []string) bool {
	want := "\n" + normalizeCode(code) + "\n"
	if strings.TrimSpace(want) == "" {
		return false
	}
	for _, s := range sources {
		if strings.Contains("\n"+s+"\n", want) {
			return true
		}
	}
	return false
}

// normalizeCode drops blank lines, leading and trailing space, and turns
// every run of spaces and tabs inside a line into one space.
func normalizeCode(code string) string {
	var lines []string
	for _, l := range strings.Split(code, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

package loops

import (
	"bufio"
	"os"
	"regexp"
	"testing"
)

// TestChangelogMatchesVersion keeps the version constant, the User-Agent and
// the top CHANGELOG entry in agreement, so a release cannot ship one
// version while announcing another.
func TestChangelogMatchesVersion(t *testing.T) {
	f, err := os.Open("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile(`^## \[(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]`)
	var top string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if m := heading.FindStringSubmatch(sc.Text()); m != nil {
			top = m[1]
			break
		}
	}
	switch {
	case top == "":
		t.Fatal(`CHANGELOG.md has no "## [x.y.z]" entry`)
	case top != Version:
		t.Errorf("CHANGELOG.md's top entry is %s but loops.Version is %s; update one of them", top, Version)
	}
	if want := "loops-go/" + Version; DefaultUserAgent != want {
		t.Errorf("DefaultUserAgent = %q, want %q", DefaultUserAgent, want)
	}
}

// Command changelog answers, for `make breaking`, whether CHANGELOG.md
// announces a version that may break callers.
//
//	go run ./internal/cmd/changelog -breaking-since v0.1.0
//
// It exits 0 when the top "## [x.y.z]" entry of CHANGELOG.md is a major
// release after the given tag (for 0.y.z versions, where semver lets any
// minor release break, a minor one), and 1 otherwise, saying what to do.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("changelog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	since := fs.String("breaking-since", "", "the last release tag, such as v0.1.0")
	file := fs.String("file", "CHANGELOG.md", "the changelog")
	if err := fs.Parse(args); err != nil || *since == "" {
		fmt.Fprintln(stderr, "usage: changelog -breaking-since vX.Y.Z [-file CHANGELOG.md]")
		return 2
	}
	base, err := parseVersion(*since)
	if err != nil {
		fmt.Fprintln(stderr, "changelog:", err)
		return 2
	}
	f, err := os.Open(*file)
	if err != nil {
		fmt.Fprintln(stderr, "changelog:", err)
		return 2
	}
	defer f.Close()
	top, err := topVersion(f)
	if err != nil {
		fmt.Fprintln(stderr, "changelog:", err)
		return 2
	}
	if breakingAllowed(base, top) {
		fmt.Fprintf(stdout, "changelog: %s announces %s, a release that may break callers of %s\n", *file, top, *since)
		return 0
	}
	fmt.Fprintf(stdout, "changelog: the contract breaks callers of %s, but %s's top entry is %s, not a major release.\n"+
		"Avoid the break, or add a %s entry that describes it under \"Changed\" or \"Removed\" and set loops.Version to match.\n",
		*since, *file, top, nextMajor(base))
	return 1
}

// version is a release number; pre-release suffixes are kept for printing.
type version struct {
	major, minor, patch int
	text                string
}

func (v version) String() string { return v.text }

var versionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$`)

func parseVersion(s string) (version, error) {
	m := versionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return version{}, fmt.Errorf("%q is not a version such as v1.2.3", s)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	return version{major: n(1), minor: n(2), patch: n(3), text: strings.TrimPrefix(m[0], "v")}, nil
}

var headingRE = regexp.MustCompile(`^## \[([^\]]+)\]`)

// topVersion returns the first versioned entry ("Unreleased" is skipped).
func topVersion(r io.Reader) (version, error) {
	for sc := bufio.NewScanner(r); sc.Scan(); {
		m := headingRE.FindStringSubmatch(sc.Text())
		if m == nil || strings.EqualFold(m[1], "unreleased") {
			continue
		}
		return parseVersion(m[1])
	}
	return version{}, fmt.Errorf(`no "## [x.y.z]" entry`)
}

// breakingAllowed reports whether top may break callers of base: a new
// major version, or, while the major version is 0, a new minor one.
func breakingAllowed(base, top version) bool {
	if base.major == 0 && top.major == 0 {
		return top.minor > base.minor
	}
	return top.major > base.major
}

func nextMajor(base version) string {
	if base.major == 0 {
		return fmt.Sprintf("0.%d.0", base.minor+1)
	}
	return fmt.Sprintf("%d.0.0", base.major+1)
}

package main

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// write prints the report.
func (r report) write(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Drift report: %s against %s\n", r.oursSource, r.upstreamSource)
	ew.printf("  ours:     %s\n", r.oursInfo)
	ew.printf("  upstream: %s\n\n", r.upstreamInfo)
	ew.printf("ours: %d operations; upstream: %d; shared: %d; upstream-only: %d; ours-only: %d\n",
		r.oursCount, r.upstreamCount, len(r.shared), len(r.upstreamOnly), len(r.oursOnly))

	ew.printf("\nUpstream operations missing from ours (%d):\n", len(r.upstreamOnly))
	r.writeByTag(ew, r.upstreamOnly)

	ew.printf("\nOperations only in ours (%d):\n", len(r.oursOnly))
	r.writeByTag(ew, r.oursOnly)

	differing := 0
	for _, d := range r.shared {
		if len(d.lines) > 0 {
			differing++
		}
	}
	ew.printf("\nDifferences in shared operations (%d of %d differ):\n", differing, len(r.shared))
	for _, d := range r.shared {
		if len(d.lines) == 0 {
			continue
		}
		ew.printf("  %s %s (%s)\n", d.method, d.path, orNone(d.oursID))
		for _, line := range d.lines {
			ew.printf("    %s\n", line)
		}
	}
	if differing == 0 {
		ew.printf("  none\n")
	}
	return ew.err
}

// writeByTag prints operations grouped by their first tag, as aligned columns.
func (r report) writeByTag(ew *errWriter, ops []operation) {
	if len(ops) == 0 {
		ew.printf("  none\n")
		return
	}
	byTag := map[string][]operation{}
	for _, o := range ops {
		byTag[o.tag] = append(byTag[o.tag], o)
	}
	tags := make([]string, 0, len(byTag))
	for tag := range byTag {
		tags = append(tags, tag)
	}
	sort.Strings(tags)

	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for _, tag := range tags {
		fmt.Fprintf(tw, "  %s (%d)\n", tag, len(byTag[tag]))
		for _, o := range sortedOperations(byTag[tag]) {
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", o.method, o.path, orNone(o.id))
		}
	}
	if err := tw.Flush(); err != nil && ew.err == nil {
		ew.err = err
	}
}

// errWriter remembers the first write error so printing code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}

package drift

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// Config names the files the gate reads and writes.
type Config struct {
	Contract    string        // openapi/loops.yaml
	Digest      string        // openapi/upstream.lock.json
	Differences string        // openapi/upstream-differences.yaml
	Facts       string        // openapi/upstream-facts.yaml
	Spec        string        // Loops' published spec, file or URL; optional for Check
	Timeout     time.Duration // for downloading Spec
}

// Check runs the gate and writes its report to w. It returns false when the
// gate fails: the contract differs from the digest in a way the reviewed
// list does not explain, the list holds a stale entry, a watched fact's
// text is not in the digest, or (with Spec set) upstream's facts or
// watched texts moved away from the digest. A failing report ends with the
// commands to run next.
func Check(ctx context.Context, cfg Config, w io.Writer) (bool, error) {
	digest, err := readDigest(cfg.Digest)
	if err != nil {
		return false, err
	}
	facts, err := readFacts(cfg.Facts)
	if err != nil {
		return false, err
	}
	var next []string // the commands to run, printed last
	if cfg.Spec != "" {
		doc, raw, err := Load(ctx, cfg.Spec, cfg.Timeout)
		if err != nil {
			return false, err
		}
		now := FromDocument(doc, raw)
		if !reportUpstream(w, cfg.Spec, Compare(now, digest, Upstream), checkFacts(facts, prose(doc, facts), now.Source.Version), now.Source, digest.Source) {
			next = upstreamNext(cfg)
		}
	}
	doc, raw, err := Load(ctx, cfg.Contract, cfg.Timeout)
	if err != nil {
		return false, err
	}
	diffs, err := readWith(cfg.Differences, ParseDifferences)
	if err != nil {
		return false, err
	}
	ours := FromDocument(doc, raw)
	v := Gate(Compare(ours, digest, Contract), diffs)
	unrecorded := checkFacts(facts, recorded(digest.Prose), "the digest of "+digest.Source.Version)
	fmt.Fprintf(w, "drift: %s (%d operations, %d webhooks) vs the digest of %s %s (%d operations, %d webhooks)\n",
		cfg.Contract, len(ours.Operations), len(ours.Webhooks), digest.Source.Title, digest.Source.Version, len(digest.Operations), len(digest.Webhooks))
	fmt.Fprintf(w, "drift: %d differences explained by %s; %d prose facts watched, %d unwatched\n", v.Explained, cfg.Differences, watchedCount(facts), len(facts)-watchedCount(facts))
	for _, f := range v.Unexplained {
		fmt.Fprintln(w, f)
	}
	for _, d := range v.Stale {
		fmt.Fprintf(w, "! stale entry in %s: where %q kind %q explains no difference (%s)\n", cfg.Differences, d.Where, d.Kind, d.Why)
	}
	for _, line := range unrecorded {
		fmt.Fprintln(w, line)
	}
	for _, f := range facts {
		if len(f.Upstream) == 0 {
			fmt.Fprintf(w, "? unwatched fact %q (%s, from %s): %s; it sets %s\n", f.Name, f.ValueText(), f.Source, f.Unwatched, dependentsText(f.Dependents))
		}
	}
	contractOK := v.OK() && len(unrecorded) == 0
	if contractOK {
		fmt.Fprintln(w, "drift: the contract matches upstream, but for the reviewed differences")
	} else {
		fmt.Fprintf(w, "drift: FAIL: %d unexplained differences (+ only ours, - only upstream, ~ ours → upstream), %d stale entries, %d watched texts not in the digest\n", len(v.Unexplained), len(v.Stale), len(unrecorded))
		if next == nil { // upstream's steps, when upstream moved, cover these
			next = contractNext(cfg, len(unrecorded) > 0)
		}
	}
	if next != nil {
		fmt.Fprintln(w, "next:")
		for _, line := range next {
			fmt.Fprintln(w, "  "+line)
		}
	}
	return contractOK && next == nil, nil
}

// upstreamNext is what to do when upstream moved away from the digest.
func upstreamNext(cfg Config) []string {
	return []string{
		"make drift-propose SPEC=" + cfg.Spec + "    # a draft patch of " + cfg.Contract + " for the additive moves; lists what it leaves",
		"edit " + cfg.Contract + ", " + cfg.Differences + " and " + cfg.Facts + " (and the Go constants a fact names); make generate",
		"make drift-update SPEC=" + cfg.Spec + "     # record the new digest, then review git diff " + cfg.Digest + " like code",
		"make drift SPEC=" + cfg.Spec + " && go test ./...",
	}
}

// contractNext is what to do when the contract parts from the digest.
func contractNext(cfg Config, unrecorded bool) []string {
	out := []string{
		"fix " + cfg.Contract + " (then make generate), or list each deliberate difference with its reason in " + cfg.Differences + " (and delete the stale entries)",
	}
	if unrecorded {
		out = append(out, "fix the quote in "+cfg.Facts+", or record the spec's words: make drift-update SPEC=<Loops' spec>")
	}
	return append(out, "make drift && go test ./internal/drift")
}

func watchedCount(facts []Fact) int {
	n := 0
	for _, f := range facts {
		if len(f.Upstream) > 0 {
			n++
		}
	}
	return n
}

// reportUpstream writes how upstream moved away from the digest and
// returns false when it did; Check prints the commands to run last.
func reportUpstream(w io.Writer, spec string, moved []Finding, facts []string, now, was Source) bool {
	if len(moved) == 0 && len(facts) == 0 {
		switch {
		case now.SHA256 == was.SHA256:
			fmt.Fprintf(w, "drift: %s is the document the digest was made from (%s)\n", spec, now.Version)
		default:
			fmt.Fprintf(w, "drift: %s (%s) changed only in unwatched prose since the digest (%s); make drift-update SPEC=%s refreshes the hash\n", spec, now.Version, was.Version, spec)
		}
		return true
	}
	fmt.Fprintf(w, "drift: upstream moved: %s (%s) differs from the digest (%s) in %d facts and %d watched texts (+ new in upstream, - gone from upstream, ~ upstream now → digest):\n", spec, now.Version, was.Version, len(moved), len(facts))
	for _, f := range moved {
		fmt.Fprintln(w, f)
	}
	for _, line := range facts {
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, "drift: FAIL: upstream moved")
	return false
}

// Update writes the digest of cfg.Spec to cfg.Digest.
func Update(ctx context.Context, cfg Config, w io.Writer) error {
	doc, raw, err := Load(ctx, cfg.Spec, cfg.Timeout)
	if err != nil {
		return err
	}
	facts, err := readFacts(cfg.Facts)
	if err != nil {
		return err
	}
	texts := prose(doc, facts)
	d := FromDocument(doc, raw)
	d.Prose = found(facts, texts)
	b, err := d.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfg.Digest, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "drift: wrote %s: %s %s, %d operations, %d webhooks, sha256 %s\n",
		cfg.Digest, d.Source.Title, d.Source.Version, len(d.Operations), len(d.Webhooks), d.Source.SHA256)
	for _, line := range checkFacts(facts, texts, d.Source.Version) {
		fmt.Fprintln(w, line)
	}
	return nil
}

// WriteProposal drafts the contract change for cfg.Spec's moves away from
// the digest (see Propose), writes the patched copy of the contract to out,
// and reports what it changed and what it left (the watched facts whose
// words changed among it), then the commands to run next, if any.
func WriteProposal(ctx context.Context, cfg Config, out string, w io.Writer) error {
	digest, err := readDigest(cfg.Digest)
	if err != nil {
		return err
	}
	facts, err := readFacts(cfg.Facts)
	if err != nil {
		return err
	}
	doc, raw, err := Load(ctx, cfg.Spec, cfg.Timeout)
	if err != nil {
		return err
	}
	contract, err := os.ReadFile(cfg.Contract)
	if err != nil {
		return err
	}
	p, err := Propose(contract, FromDocument(doc, raw), digest)
	if err != nil {
		return err
	}
	for _, line := range checkFacts(facts, prose(doc, facts), doc.Info.Version) {
		p.Left = append(p.Left, line+"\n    left: a number we take from prose: a person updates "+cfg.Facts+" and every dependent it names")
	}
	if err := os.WriteFile(out, p.Contract, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "drift-propose: %s (%s) vs the digest (%s): %d changes drafted in %s, %d moves left to a person\n", cfg.Spec, doc.Info.Version, digest.Source.Version, len(p.Applied), out, len(p.Left))
	for _, line := range p.Applied {
		fmt.Fprintln(w, line)
	}
	if len(p.Left) > 0 {
		fmt.Fprintln(w, "left to a person:")
	}
	for _, line := range p.Left {
		fmt.Fprintln(w, line)
	}
	if len(p.Applied) == 0 && len(p.Left) == 0 {
		fmt.Fprintln(w, "drift-propose: the spec makes no move away from the digest; nothing to do")
		return nil
	}
	fmt.Fprintln(w, "next:")
	for _, line := range []string{
		"review the draft: diff -u " + cfg.Contract + " " + out + " (make drift-propose also writes it as " + out + ".diff, which git apply takes)",
		"apply it; replace each TODO(drift-propose) description, and add what each example the list names needs",
		"make the moves left to a person in " + cfg.Contract + ", " + cfg.Differences + " and " + cfg.Facts + "; make generate",
		"make drift-update SPEC=" + cfg.Spec + "     # record the new digest, then review git diff " + cfg.Digest + " like code",
		"make drift SPEC=" + cfg.Spec + " && go test ./...",
	} {
		fmt.Fprintln(w, "  "+line)
	}
	return nil
}

func readFacts(name string) ([]Fact, error) {
	if name == "" {
		return nil, nil
	}
	return readWith(name, ParseFacts)
}

func readDigest(name string) (*Digest, error) { return readWith(name, Unmarshal) }

// readWith reads a file and parses it, naming the file in a parse error.
func readWith[T any](name string, parse func([]byte) (T, error)) (T, error) {
	var zero T
	b, err := os.ReadFile(name)
	if err != nil {
		return zero, err
	}
	v, err := parse(b)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

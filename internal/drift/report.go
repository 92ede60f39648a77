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
	Spec        string        // Loops' published spec, file or URL; optional for Check
	Timeout     time.Duration // for downloading Spec
}

// Check runs the gate and writes its report to w. It returns false when the
// gate fails: the contract differs from the digest in a way the reviewed
// list does not explain, the list holds a stale entry, or (with Spec set)
// upstream's facts moved away from the digest.
func Check(ctx context.Context, cfg Config, w io.Writer) (bool, error) {
	digest, err := readDigest(cfg.Digest)
	if err != nil {
		return false, err
	}
	ok := true
	if cfg.Spec != "" {
		doc, raw, err := Load(ctx, cfg.Spec, cfg.Timeout)
		if err != nil {
			return false, err
		}
		ok = reportUpstream(w, cfg.Spec, Compare(FromDocument(doc, raw), digest, Upstream), FromDocument(doc, raw).Source, digest.Source)
	}
	doc, raw, err := Load(ctx, cfg.Contract, cfg.Timeout)
	if err != nil {
		return false, err
	}
	diffData, err := os.ReadFile(cfg.Differences)
	if err != nil {
		return false, err
	}
	diffs, err := ParseDifferences(diffData)
	if err != nil {
		return false, fmt.Errorf("%s: %w", cfg.Differences, err)
	}
	ours := FromDocument(doc, raw)
	v := Gate(Compare(ours, digest, Contract), diffs)
	fmt.Fprintf(w, "drift: %s (%d operations, %d webhooks) vs the digest of %s %s (%d operations, %d webhooks)\n",
		cfg.Contract, len(ours.Operations), len(ours.Webhooks), digest.Source.Title, digest.Source.Version, len(digest.Operations), len(digest.Webhooks))
	fmt.Fprintf(w, "drift: %d differences explained by %s\n", v.Explained, cfg.Differences)
	for _, f := range v.Unexplained {
		fmt.Fprintln(w, f)
	}
	for _, d := range v.Stale {
		fmt.Fprintf(w, "! stale entry in %s: where %q kind %q explains no difference (%s)\n", cfg.Differences, d.Where, d.Kind, d.Why)
	}
	if !v.OK() {
		fmt.Fprintf(w, "drift: FAIL: %d unexplained differences (lines read ours → upstream), %d stale entries. Fix the contract, or review the difference and list it with a reason.\n", len(v.Unexplained), len(v.Stale))
		ok = false
	} else {
		fmt.Fprintln(w, "drift: the contract matches upstream, but for the reviewed differences")
	}
	return ok, nil
}

func reportUpstream(w io.Writer, spec string, moved []Finding, now, was Source) bool {
	if len(moved) == 0 {
		switch {
		case now.SHA256 == was.SHA256:
			fmt.Fprintf(w, "drift: %s is the document the digest was made from (%s)\n", spec, now.Version)
		default:
			fmt.Fprintf(w, "drift: %s (%s) changed only in prose since the digest (%s); make drift-update refreshes the hash\n", spec, now.Version, was.Version)
		}
		return true
	}
	fmt.Fprintf(w, "drift: upstream moved: %s (%s) differs from the digest (%s) in %d facts (lines read upstream now → digest):\n", spec, now.Version, was.Version, len(moved))
	for _, f := range moved {
		fmt.Fprintln(w, f)
	}
	fmt.Fprintln(w, "drift: FAIL: update openapi/loops.yaml for these changes, then run make drift-update SPEC=... and review the digest's diff.")
	return false
}

// Update writes the digest of cfg.Spec to cfg.Digest.
func Update(ctx context.Context, cfg Config, w io.Writer) error {
	doc, raw, err := Load(ctx, cfg.Spec, cfg.Timeout)
	if err != nil {
		return err
	}
	d := FromDocument(doc, raw)
	b, err := d.Marshal()
	if err != nil {
		return err
	}
	if err := os.WriteFile(cfg.Digest, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "drift: wrote %s: %s %s, %d operations, %d webhooks, sha256 %s\n",
		cfg.Digest, d.Source.Title, d.Source.Version, len(d.Operations), len(d.Webhooks), d.Source.SHA256)
	return nil
}

func readDigest(name string) (*Digest, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	d, err := Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// Command drift is the spec-drift gate: it holds the loops-go contract
// against the committed digest of Loops' published OpenAPI document, and
// that digest against the document Loops publishes today.
//
//	go run ./internal/cmd/drift                 # contract vs digest (make drift)
//	go run ./internal/cmd/drift -spec <file|URL> # also: upstream vs digest
//	go run ./internal/cmd/drift -update -spec <file|URL>  # rewrite the digest (make drift-update)
//	go run ./internal/cmd/drift -propose out.yaml -spec <file|URL>  # draft the contract change (make drift-propose)
//
// The contract check fails on any difference between openapi/loops.yaml and
// openapi/upstream.lock.json that openapi/upstream-differences.yaml does not
// explain, and on any entry there that explains nothing. The upstream check
// fails when the published document's facts moved away from the digest:
// update the contract (make drift-propose drafts the additive part of that
// change), then run make drift-update. A failing report, and every
// proposal, ends with the commands to run next. docs/drift.md is the guide.
//
// Exit status: 0 when the gate passes, 1 when it fails, 2 on bad arguments
// or unreadable input.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/loopsdev/loops-go/internal/drift"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("drift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg drift.Config
	fs.StringVar(&cfg.Contract, "contract", "openapi/loops.yaml", "the loops-go contract")
	fs.StringVar(&cfg.Digest, "digest", "openapi/upstream.lock.json", "the committed digest of Loops' spec")
	fs.StringVar(&cfg.Differences, "differences", "openapi/upstream-differences.yaml", "the reviewed differences")
	fs.StringVar(&cfg.Facts, "facts", "openapi/upstream-facts.yaml", "the prose facts the gate watches")
	fs.StringVar(&cfg.Spec, "spec", "", "Loops' published spec (file or http(s) URL); compared with the digest")
	update := fs.Bool("update", false, "rewrite the digest from -spec instead of checking")
	propose := fs.String("propose", "", "write a draft of the contract for -spec's moves to this file instead of checking")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit for downloading -spec")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: drift [-spec <file or URL>] [-update | -propose <file>]")
		return 2
	}
	cfg.Timeout = *timeout
	if *update || *propose != "" {
		if cfg.Spec == "" {
			fmt.Fprintln(stderr, "drift: -update and -propose need -spec <file or URL>")
			return 2
		}
		var err error
		if *update {
			err = drift.Update(ctx, cfg, stdout)
		} else {
			err = drift.WriteProposal(ctx, cfg, *propose, stdout)
		}
		if err != nil {
			fmt.Fprintln(stderr, "drift:", err)
			return 2
		}
		return 0
	}
	ok, err := drift.Check(ctx, cfg, stdout)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, "drift:", err)
		return 2
	case !ok:
		return 1
	}
	return 0
}

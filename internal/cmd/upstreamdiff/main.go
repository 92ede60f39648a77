// Command upstreamdiff reports how the loops-go contract (openapi/loops.yaml)
// differs from an OpenAPI document published by Loops.
//
// Usage:
//
//	go run ./internal/cmd/upstreamdiff -ours openapi/loops.yaml -upstream <file or http(s) URL> [-fail-on-missing] [-timeout 30s]
//
// The report lists the operations upstream has and the contract lacks, and
// for every operation both documents have (matched by method and path) the
// differences in parameters, request body properties, response status codes
// and, for the status codes both declare, application/json response body
// properties (an array's item properties for an array body). Differences are expected: the contract deliberately corrects some
// of upstream's mistakes. The report is informational, not a gate.
//
// Exit status: 0 once the report is printed; 1 when -fail-on-missing is set
// and upstream has operations the contract lacks; 2 when the arguments are
// wrong or a document cannot be read or parsed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitMissing = 1
	exitError   = 2
)

// maxDocumentBytes bounds how much of a downloaded document is read.
const maxDocumentBytes = 32 << 20

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// config holds the command-line options.
type config struct {
	ours          string
	upstream      string
	failOnMissing bool
	timeout       time.Duration
}

// parseFlags reads the command line; errors are already reported on stderr.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("upstreamdiff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.ours, "ours", "openapi/loops.yaml", "the loops-go contract (file path or http(s) URL)")
	fs.StringVar(&cfg.upstream, "upstream", "", "Loops' published OpenAPI document (file path or http(s) URL)")
	fs.BoolVar(&cfg.failOnMissing, "fail-on-missing", false, "exit 1 when upstream has operations the contract lacks")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "time limit for downloading a document given as a URL")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if cfg.upstream == "" || cfg.ours == "" || fs.NArg() > 0 {
		err := errors.New("usage: upstreamdiff -ours <file or URL> -upstream <file or URL> [-fail-on-missing] [-timeout 30s]")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	if cfg.timeout <= 0 {
		err := errors.New("-timeout must be positive")
		fmt.Fprintln(stderr, err)
		return cfg, err
	}
	return cfg, nil
}

// run is the whole command, returning its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return exitError
	}
	ours, err := loadDocument(ctx, cfg.ours, cfg.timeout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "upstreamdiff: ours: %v\n", err)
		return exitError
	}
	upstream, err := loadDocument(ctx, cfg.upstream, cfg.timeout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "upstreamdiff: upstream: %v\n", err)
		return exitError
	}

	rep := compareDocuments(ours, upstream)
	rep.oursSource, rep.upstreamSource = cfg.ours, cfg.upstream
	if err := rep.write(stdout); err != nil {
		fmt.Fprintf(stderr, "upstreamdiff: writing the report: %v\n", err)
		return exitError
	}
	if cfg.failOnMissing && len(rep.upstreamOnly) > 0 {
		return exitMissing
	}
	return exitOK
}

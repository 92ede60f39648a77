// Command loops-mcp is a local MCP server for the Loops API, safe by
// default: read-only unless the operator enables writes, sends or
// destructive operations by flag. It speaks MCP over stdio, or over
// streamable HTTP on a loopback address behind a bearer token.
//
// With LOOPS_API_KEY set it acts on that key's team; without it, on an
// in-process fake of Loops seeded with sample data, so that it can be
// tried without an account.
//
// Usage:
//
//	loops-mcp [flags]
//
// See contrib/mcp/README.md for client configuration and the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	loopsmcp "github.com/loopsdev/loops-go/contrib/mcp"
	"github.com/loopsdev/loops-go/loops"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loops-mcp:", err)
		os.Exit(1)
	}
}

// options are the command's flags.
type options struct {
	policy         loopsmcp.Policy
	operationTools bool
	transport      string
	addr           string
	baseURL        string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loops-mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.policy.AllowWrites, "allow-writes", false, "enable write operations (create, update)")
	fs.BoolVar(&o.policy.AllowSends, "allow-sends", false, "enable send operations (events, transactional email, previews, feedback)")
	fs.BoolVar(&o.policy.AllowDestructive, "allow-destructive", false, `enable destructive operations (deletes, suppression removal); each call also needs "confirm": true`)
	fs.BoolVar(&o.policy.RequireTeam, "require-team", false, `make every operation but reads name the API key's team exactly ("team")`)
	fs.BoolVar(&o.operationTools, "operation-tools", false, "also offer one tool per enabled operation (more context, exact annotations)")
	fs.StringVar(&o.transport, "transport", "stdio", "stdio or http (streamable HTTP; needs LOOPS_MCP_TOKEN)")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8765", "listen address of the http transport")
	fs.StringVar(&o.baseURL, "base-url", loops.DefaultBaseURL, "Loops API base URL")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.transport != "stdio" && o.transport != "http" {
		return o, fmt.Errorf("-transport must be stdio or http, not %q", o.transport)
	}
	return o, nil
}

// run is the whole command, with its environment passed in for tests.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	token := getenv("LOOPS_MCP_TOKEN")
	if o.transport == "http" {
		if err := checkListen(o.addr, token); err != nil {
			return err
		}
	}
	cfg := loopsmcp.Config{Policy: o.policy, OperationTools: o.operationTools, BaseURL: o.baseURL, Version: version()}
	key := getenv("LOOPS_API_KEY")
	var client *loops.Client
	if key == "" {
		fake, c, err := demo(ctx)
		if err != nil {
			return err
		}
		defer fake.Close()
		client, key = c, fake.APIKey()
		cfg.Demo, cfg.BaseURL = true, fake.URL()
		fmt.Fprintln(stderr, "loops-mcp: no LOOPS_API_KEY: serving an in-process fake of Loops with sample data (nothing reaches Loops)")
	} else if client, err = loops.NewClient(key, loops.WithBaseURL(o.baseURL), loops.WithUserAgent(loops.DefaultUserAgent+" loops-mcp")); err != nil {
		return err
	}
	cfg.APIKey = key
	srv, err := loopsmcp.NewServer(ctx, client, cfg)
	if err != nil {
		return err
	}
	if o.transport == "stdio" {
		err := srv.Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(stdin), Writer: nopWriteCloser{stdout}})
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	return serveHTTP(ctx, o.addr, httpHandler(srv, token), stderr)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// serveHTTP serves h on addr until ctx ends.
func serveHTTP(ctx context.Context, addr string, h http.Handler, stderr io.Writer) error {
	hs := &http.Server{Addr: addr, Handler: h}
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	fmt.Fprintf(stderr, "loops-mcp: serving MCP over streamable HTTP on http://%s/ (bearer token required)\n", addr)
	if err := hs.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// version is the module version the binary was built from.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

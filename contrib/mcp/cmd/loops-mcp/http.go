package main

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// minTokenLen keeps the bearer token from being guessable.
const minTokenLen = 16

// checkListen refuses an HTTP listener the operator has not protected: a
// token is always required (a loopback port is reachable by every local
// program and, through DNS rebinding, by web pages), and an address
// that is not loopback must be asked for explicitly with a host.
func checkListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if len(token) < minTokenLen {
		where := "a loopback address"
		if !isLoopback(host) {
			where = "the non-loopback address " + addr
		}
		return fmt.Errorf("refusing to serve HTTP on %s without a bearer token: set LOOPS_MCP_TOKEN to a secret of at least %d characters", where, minTokenLen)
	}
	if host == "" {
		return errors.New(`-addr needs a host: "127.0.0.1:8765" for this machine only, or an explicit interface address`)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// httpHandler serves srv over streamable HTTP to requests that carry
// "Authorization: Bearer <token>"; others get 401 before the MCP layer.
func httpHandler(srv *mcp.Server, token string) http.Handler {
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="loops-mcp"`)
			http.Error(w, "loops-mcp: a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		mcpHandler.ServeHTTP(w, r)
	})
}

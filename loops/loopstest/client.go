package loopstest

import (
	"net/http"
	"testing"

	"github.com/loopsdev/loops-go/loops"
)

// Client returns a [loops.Client] for s, set up for tests: it uses s's URL
// and key, does no client-side pacing (the general limit and the content
// budget are both off), and retries at once (loops.WithBackoff(0, 0, 0)),
// so a test waits for nothing the client could skip. opts come after these
// and override them: pass loops.WithRateLimit(10) to test your own code's
// pacing, or loops.WithMaxRetries(0) to see the first failure. An invalid
// option fails the test.
//
// Requests go through the server's in-process [Server.Transport], with no
// socket, which also works inside a testing/synctest bubble (build the
// server WithoutListener there). A test that wants real connections (to
// see how a dropped connection looks on the wire, say) can still build its
// own client from URL and APIKey.
//
// The server keeps its own rate limit (10 requests a second, in bursts of
// 10): code that sends more than that at once meets 429s, which the client
// retries after Loops' one-second window. Build the server with
// WithoutRateLimit when the test is not about the limit.
func (s *Server) Client(t testing.TB, opts ...loops.Option) *loops.Client {
	t.Helper()
	c, err := loops.NewClient(s.APIKey(), append(s.ClientOptions(), opts...)...)
	if err != nil {
		t.Fatalf("loopstest: Server.Client: %v", err)
	}
	return c
}

// ClientOptions returns the options [Server.Client] gives its client, for
// code that has no testing.TB (an Example, a demo program):
//
//	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
func (s *Server) ClientOptions() []loops.Option {
	return []loops.Option{
		loops.WithBaseURL(s.URL()),
		loops.WithHTTPClient(&http.Client{Transport: s.Transport()}),
		loops.WithoutRateLimit(),
		loops.WithBackoff(0, 0, 0),
	}
}

// Package loopstest provides an in-memory fake of the Loops API for tests.
//
// The fake speaks the same HTTP dialect as https://app.loops.so/api for the
// operations in the loops-go contract (openapi/loops.yaml): contacts, contact
// properties, mailing lists, events, transactional emails, the API-key check,
// the dedicated sending IPs and the content API, workflow graphs included.
// It keeps everything in memory, so a test can
// drive code that talks to Loops and then inspect what that code did:
// the contacts it created, the events and emails it sent, and every request
// it made, in order.
//
// # Pointing a client at the fake
//
// NewServer starts the fake on a loopback address and closes it when the test
// ends. Give the client the fake's URL, which already ends in "/api", and its
// key. With the loops package of this module that is
// loops.NewClient(srv.APIKey(), loops.WithBaseURL(srv.URL())); any other HTTP
// client works the same way, sending "Authorization: Bearer " + srv.APIKey()
// to srv.URL() + "/v1/...".
//
// Transport returns an http.RoundTripper that serves requests in-process,
// without a socket. Inside a testing/synctest bubble, where network I/O would
// stop fake time from advancing, build the server with WithoutListener and
// send every request through Transport; faults such as Slow then take no
// real time at all.
//
// [Server.Client] does all of that for a test, and more: it returns a
// *loops.Client that goes through Transport, paces nothing and retries at
// once, so a test waits only for the fake itself. A complete test of code
// that sends a welcome email, ready to copy (sendWelcome stands for your
// code):
//
//	func TestWelcomeEmail(t *testing.T) {
//		srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(
//			loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome", DataVariables: []string{"name"}},
//		))
//		client := srv.Client(t)
//
//		if err := sendWelcome(t.Context(), client, "ada@example.com", "Ada"); err != nil {
//			t.Fatal(err)
//		}
//
//		sends := srv.TransactionalSends()
//		if len(sends) != 1 || sends[0].Email != "ada@example.com" || sends[0].DataVariables["name"] != "Ada" {
//			t.Fatalf("sends = %+v", sends)
//		}
//	}
//
// A request that breaks the contract (a missing data variable, say) fails
// such a test by itself, through t.Errorf. Example_transactionalEmail
// prints the same steps outside of a test.
//
// # The contract is enforced
//
// Every request is checked against the contract with kin-openapi before the
// fake acts on it. A request the contract forbids (a wrong type, a missing
// required field, an unknown path, a missing bearer token, an Idempotency-Key
// over 100 characters) is answered 400, 404 or 405 like Loops would, and is
// also reported as a contract violation: through t.Errorf for a server made
// by NewServer, and through Violations for one made by New. Every response
// the fake itself writes is checked too, so a drift between the fake and the
// contract shows up as a violation rather than as a silently wrong test.
//
// # Behaving like Loops, including badly
//
// The fake applies the rules Loops documents: bearer authentication, a token
// bucket of 10 requests per second per key with the x-ratelimit-limit and
// x-ratelimit-remaining headers, upsert semantics for contact updates, null
// clearing a field, Idempotency-Key replay protection on the two send
// endpoints, cursor pagination and the error bodies Loops really sends.
//
// Inject scripts failures per route and per attempt: plain 5xx answers,
// HTML pages from a load balancer, 429s with or without Retry-After, slow and
// hanging answers, dropped connections, and ProcessThenDrop, which performs
// the request and then drops the connection, so that a client that retries
// blindly sends a second email. Together with IdempotencyCount this lets a
// test prove that a retrying client gets an operation done exactly once.
//
// DeliverWebhook signs and posts webhook events to your endpoint, and
// WithWebhookEndpoint sends contact.created for every contact a request creates.
// Each delivery is bounded (WithWebhookTimeout) and ends when the server
// closes, so an endpoint that hangs never holds a test for good.
package loopstest

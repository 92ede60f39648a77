// Package loops is a Go client for the Loops email API (https://loops.so):
// contacts, properties, lists, events, transactional email, and the content
// API (templates, campaigns, email messages, segments, workflows).
//
// Create one [Client] per API key and share it between goroutines:
//
//	client, err := loops.NewClient("") // "" reads LOOPS_API_KEY
//	if err != nil { ... }
//	err = client.Events.Send(ctx, &loops.EventRequest{
//		Email:     new("alex@example.com"),
//		EventName: "signup",
//	})
//
// What the client adds on top of the generated low-level client in
// package gen:
//
//   - Safe retries. Reads and the contact upsert are retried on 429, 5xx
//     and transport errors. Sends (events, transactional email) carry an
//     Idempotency-Key, generated once per call when you give none, so they
//     are retried the same way without ever delivering twice. Every other
//     write is retried only when Loops cannot have acted on it (429, or a
//     connection that failed before the request was written).
//   - Client-side rate limiting: a token bucket at Loops' 10 requests per
//     second, shared by every goroutine, or any [Limiter] you plug in.
//   - Errors you can act on: [*APIError] for answers outside 2xx (with
//     errors.Is support for [ErrNotFound], [ErrRateLimited] and friends)
//     and [*ValidationError] for bad input caught before anything is sent.
//   - Pagination as a range loop (iter.Seq2), and per-call access to the
//     raw response with [WithResponseInfo].
//
// # Finding your way
//
// Each API area is a service on the [Client] (client.Contacts,
// client.Events, client.Transactional, ...). api.md, at the root of the
// module, lists every method with what it takes, what it returns and the
// request it sends. The request and response types are the contract's
// models, re-exported from package gen; go doc loops.<Type> lists each
// one's fields, with their Go types, whether each is required, optional
// or clearable, and what it means. Most programs need only a handful:
// [EventRequest], [TransactionalRequest], [ContactCreateRequest],
// [ContactUpdateRequest], [Contact] and [Attachment].
//
// The workflow graph types (a few dozen node kinds, their updates, and the
// unions over them) serve only the Workflows and WorkflowNodes services.
// They are generated into workflow_types.gen.go, apart from the everyday
// types of types.gen.go.
//
// Package loopstest provides an in-memory fake Loops server for tests.
package loops

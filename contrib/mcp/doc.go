// Package loopsmcp serves the Loops API to AI agents over the Model
// Context Protocol, through the loops-go SDK client. The command
// cmd/loops-mcp runs it; NewServer embeds it in another program.
//
// The tools come from the contract embedded in
// github.com/loopsdev/loops-go/openapi: every operation's name,
// description, input schema and safety class ([Class]) is derived from
// it, so an operation added to the contract is served with no code here.
// Three tools keep an agent's context small: search_operations,
// describe_operation and execute_operation. [Config.OperationTools] adds
// one tool per enabled operation, whose MCP annotations (readOnlyHint,
// destructiveHint, idempotentHint) state its class exactly.
//
// The server is read-only unless its [Policy] enables writes, sends or
// destructive operations, each separately. A destructive call also needs
// "confirm": true; every send carries an idempotency key, generated when
// the agent gives none and returned so that a retry reuses it; feedback
// needs "userApproved": true; and "dryRun": true returns the exact
// request and its validation against the contract without sending it.
package loopsmcp

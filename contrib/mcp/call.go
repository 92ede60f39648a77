package loopsmcp

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/loopsdev/loops-go/loops"
)

// callArgs are the arguments of execute_operation (Operation set) and of
// a per-operation tool (Operation implied).
type callArgs struct {
	Operation      string                     `json:"operation"`
	Input          map[string]json.RawMessage `json:"input"`
	DryRun         bool                       `json:"dryRun"`
	Confirm        bool                       `json:"confirm"`
	IdempotencyKey string                     `json:"idempotencyKey"`
	UserApproved   bool                       `json:"userApproved"`
	Team           string                     `json:"team"`
}

// outcome is what every call reports to the agent, as JSON.
type outcome struct {
	Operation string `json:"operation"`
	Class     Class  `json:"class"`
	// Sent says whether anything went to Loops.
	Sent   bool `json:"sent"`
	DryRun bool `json:"dryRun,omitempty"`
	// Request is the exact request, shown by a dry run (key redacted).
	Request *requestView `json:"request,omitempty"`
	// Validation is the local check against the contract: "ok" or why not.
	Validation string `json:"validation,omitempty"`
	// Refused lists what the server's policy requires and the call lacks.
	Refused        []string        `json:"refused,omitempty"`
	Status         int             `json:"status,omitempty"`
	IdempotencyKey string          `json:"idempotencyKey,omitempty"`
	Deduplicated   bool            `json:"deduplicated,omitempty"`
	Attempts       int             `json:"attempts,omitempty"`
	Response       json.RawMessage `json:"response,omitempty"`
	Error          string          `json:"error,omitempty"`
	WhatToDo       string          `json:"whatToDo,omitempty"`
}

// requestView shows a request as it would go on the wire.
type requestView struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// call runs one call of op: plan, validate, apply the policy, then (unless
// it is a dry run) send through the SDK client. The bool is false when the
// outcome is an error for the agent.
func (s *server) call(ctx context.Context, op *Operation, args callArgs) (outcome, bool) {
	out := outcome{Operation: op.Name, Class: op.Class, DryRun: args.DryRun}
	p, err := newPlan(op, args.Input)
	if err != nil {
		out.Validation = err.Error()
		out.Error, out.WhatToDo = "invalid input: "+err.Error(), "Fix the input; describe_operation shows its schema. Nothing was sent."
		return out, false
	}
	if op.Keyed {
		p.key = args.IdempotencyKey
		if p.key == "" {
			p.key = newKey()
		}
		out.IdempotencyKey = p.key
	} else if args.IdempotencyKey != "" {
		out.Error, out.WhatToDo = "idempotencyKey is accepted only by send operations that take one", "Leave idempotencyKey out. Nothing was sent."
		return out, false
	}
	out.Validation = "ok"
	if err := p.validate(ctx); err != nil {
		out.Validation = err.Error()
	}
	out.Refused = s.refusals(op, args)
	if args.DryRun {
		out.Request = s.view(p)
		return out, true
	}
	switch {
	case out.Validation != "ok":
		out.Error, out.WhatToDo = "the request breaks the contract: "+out.Validation, "Fix the input; describe_operation shows its schema. Nothing was sent."
		return out, false
	case len(out.Refused) > 0:
		out.Error, out.WhatToDo = "refused by this server's safety policy: "+strings.Join(out.Refused, "; "), "Nothing was sent. Ask the user; do not work around the policy."
		return out, false
	}
	return s.send(ctx, p, out)
}

// refusals lists what the policy requires of this call and it lacks.
func (s *server) refusals(op *Operation, args callArgs) []string {
	var why []string
	if flag := s.cfg.Policy.flagFor(op.Class); flag != "" {
		why = append(why, fmt.Sprintf("%s operations are disabled: the operator must start loops-mcp with %s", op.Class, flag))
	}
	if op.Class == Destructive && !args.Confirm {
		why = append(why, `a destructive operation needs "confirm": true, set only after the user agreed to this exact change`)
	}
	if op.NeedsApproval && !args.UserApproved {
		why = append(why, `this operation sends text to Loops: show it to the user and set "userApproved": true only once they saw and approved it`)
	}
	if s.cfg.Policy.RequireTeam && op.Class != Read && args.Team != s.team {
		why = append(why, fmt.Sprintf(`this server requires every change to name its team: set "team" to %q, the team of the API key`, s.team))
	}
	return why
}

// send makes the call through the SDK client: retries, pacing, keys and
// redaction all apply as for a typed method.
func (s *server) send(ctx context.Context, p *plan, out outcome) (outcome, bool) {
	var info loops.ResponseInfo
	opts := []loops.CallOption{loops.WithResponseInfo(&info)}
	if p.key != "" {
		opts = append(opts, loops.WithIdempotencyKey(p.key))
	}
	var body any
	if p.body != nil {
		body = p.body
	}
	var resp json.RawMessage
	err := s.client.Do(ctx, p.op.Method, p.path, body, &resp, opts...)
	out.Sent, out.Status, out.Attempts, out.Deduplicated = true, info.StatusCode, info.Attempts, info.Deduplicated
	if err == nil {
		out.Response = resp
		return out, true
	}
	var apiErr *loops.APIError
	if errors.As(err, &apiErr) {
		out.Status, out.Attempts = apiErr.StatusCode, apiErr.Attempts
		if errors.Is(err, loops.ErrIdempotencyKeyReused) {
			// The agent repeated a send under the key of an earlier call,
			// which is how it retries after an unclear outcome.
			out.Deduplicated = true
			out.WhatToDo = "Loops already processed a request with this idempotencyKey, so nothing was sent again. If you were retrying an unclear earlier call, it went through."
			return out, true
		}
	}
	out.Error, out.WhatToDo = err.Error(), advice(err, p.op)
	return out, false
}

// advice tells the agent what to do about a failed call. Whether a retry
// is safe after an unclear outcome depends on the operation: a keyed send
// under the same key is, an idempotent call is, anything else may act twice.
func advice(err error, op *Operation) string {
	retry := "Check with a read whether it took effect, or ask the user, before repeating it: a repeat may act twice."
	switch {
	case op.Keyed:
		retry = "Retry with the same idempotencyKey: Loops will not act twice."
	case op.Idempotent:
		retry = "Retry later."
	}
	var apiErr *loops.APIError
	switch {
	case errors.Is(err, loops.ErrInvalidInput):
		return "Fix the input. Nothing was sent."
	case errors.Is(err, loops.ErrUnauthorized):
		return "The API key was refused; the operator must set a valid LOOPS_API_KEY. Do not retry."
	case errors.Is(err, loops.ErrNotFound):
		return "Nothing matched: check the IDs (search with a list or find operation)."
	case errors.Is(err, loops.ErrRevisionConflict):
		return "The resource changed since you read it: read it again and repeat with its current revision."
	case errors.Is(err, loops.ErrRateLimited):
		return "Loops refused it for its rate limit, before acting: retry later (a daily quota, such as previews or feedback, lasts until the next day)."
	case errors.Is(err, loops.ErrServerError):
		return "Loops failed; the call may or may not have taken effect. " + retry
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusConflict:
		return "It conflicts with the current state (for instance the resource already exists): read before writing."
	case errors.As(err, &apiErr) && apiErr.StatusCode < 500:
		return "Loops refused the request: fix it according to the message."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "The call was cut short; it may or may not have taken effect. " + retry
	}
	return "The outcome is unknown (the connection failed). " + retry
}

// view is a plan as the dry run shows it, the API key redacted.
func (s *server) view(p *plan) *requestView {
	v := &requestView{
		Method:  p.op.Method,
		URL:     strings.TrimSuffix(s.cfg.BaseURL, "/") + p.path,
		Headers: map[string]string{"Authorization": "Bearer [redacted]", "Accept": "application/json"},
		Body:    p.body,
	}
	if p.body != nil {
		v.Headers["Content-Type"] = "application/json"
	}
	if p.key != "" {
		v.Headers["Idempotency-Key"] = p.key
	}
	return v
}

// newKey makes an idempotency key when the agent gave none: 26 random
// base32 characters, well inside Loops' 100.
func newKey() string { return "mcp-" + rand.Text() }

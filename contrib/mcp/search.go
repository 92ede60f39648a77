package loopsmcp

import (
	"context"
	"encoding/json"
	"strings"
)

// match is one line of search_operations' answer.
type match struct {
	Name    string `json:"name"`
	Request string `json:"request"`
	Tag     string `json:"tag"`
	Summary string `json:"summary"`
	Class   Class  `json:"class"`
	Allowed bool   `json:"allowed"`
}

func (s *server) search(_ context.Context, raw json.RawMessage) (any, bool) {
	var args struct {
		Query string `json:"query"`
		Class string `json:"class"`
	}
	if err := decode(raw, &args); err != nil {
		return failure{Error: err.Error()}, false
	}
	var want *Class
	if args.Class != "" {
		c, err := parseClass(args.Class)
		if err != nil {
			return failure{Error: err.Error()}, false
		}
		want = &c
	}
	words := strings.Fields(strings.ToLower(args.Query))
	matches := []match{}
	for _, op := range s.cat.ops {
		if want != nil && op.Class != *want {
			continue
		}
		text := strings.ToLower(strings.Join([]string{op.Name, op.Method, op.Path, op.Tag, op.Summary, op.Description, op.Class.String()}, " "))
		if !containsAll(text, words) {
			continue
		}
		matches = append(matches, match{
			Name: op.Name, Request: op.Method + " " + op.Path, Tag: op.Tag, Summary: op.Summary,
			Class: op.Class, Allowed: s.cfg.Policy.allows(op.Class),
		})
	}
	return map[string]any{"operations": matches, "count": len(matches)}, true
}

func containsAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// description is describe_operation's answer.
type description struct {
	*Operation
	Allowed bool `json:"allowed"`
	// Requires lists the arguments of execute_operation, besides input,
	// that this operation needs under the server's policy.
	Requires []string `json:"requires,omitempty"`
}

func (s *server) describe(_ context.Context, raw json.RawMessage) (any, bool) {
	var args struct {
		Operation string `json:"operation"`
	}
	if err := decode(raw, &args); err != nil {
		return failure{Error: err.Error()}, false
	}
	op, f := s.lookup(args.Operation)
	if f != nil {
		return f, false
	}
	d := description{Operation: op, Allowed: s.cfg.Policy.allows(op.Class)}
	if flag := s.cfg.Policy.flagFor(op.Class); flag != "" {
		d.Requires = append(d.Requires, "the operator's "+flag+" flag (disabled on this server)")
	}
	if op.Class == Destructive {
		d.Requires = append(d.Requires, `"confirm": true`)
	}
	if op.NeedsApproval {
		d.Requires = append(d.Requires, `"userApproved": true`)
	}
	if s.cfg.Policy.RequireTeam && op.Class != Read {
		d.Requires = append(d.Requires, `"team": "`+s.team+`"`)
	}
	if op.Keyed {
		d.Requires = append(d.Requires, `"idempotencyKey" (optional: generated and returned when omitted; reuse it to retry)`)
	}
	return d, true
}

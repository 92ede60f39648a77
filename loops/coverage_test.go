package loops_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// contractOperation is one operation of openapi/loops.yaml.
type contractOperation struct {
	id, method, path string
}

func loadOperations(t *testing.T) map[string]contractOperation {
	t.Helper()
	doc := loops.Contract(t)
	ops := map[string]contractOperation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
				continue
			}
			if prev, dup := ops[op.OperationID]; dup {
				t.Errorf("operationId %q is used by %s %s and %s %s", op.OperationID, prev.method, prev.path, method, path)
			}
			ops[op.OperationID] = contractOperation{id: op.OperationID, method: method, path: path}
		}
	}
	return ops
}

// pathMatches compares a request path (without /api) with a contract path,
// which may hold {parameters}.
func pathMatches(template, path string) bool {
	if !strings.Contains(template, "{") {
		return template == path
	}
	parts := strings.Split(template, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = "[^/]+"
		} else {
			parts[i] = regexp.QuoteMeta(p)
		}
	}
	return regexp.MustCompile("^" + strings.Join(parts, "/") + "$").MatchString(path)
}

// operationCall calls one operation through the typed client with valid
// input, seeding the fake first when the call needs state.
type operationCall func(ctx context.Context, c *loops.Client, srv *loopstest.Server) error

const coverageEmail = "ada@example.com"

func seedContact(ctx context.Context, c *loops.Client) error {
	_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: coverageEmail, UserID: new("user-1")})
	return err
}

// operationMethods maps every operationId of the contract to the typed
// method that performs it. Add an entry when the contract grows.
var operationMethods = map[string]operationCall{
	"testApiKey": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		res, err := c.Account.TestAPIKey(ctx)
		if err == nil && res.TeamName == "" {
			return fmt.Errorf("empty team name")
		}
		return err
	},
	"createContact": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		_, err := c.Contacts.Create(ctx, &loops.ContactCreateRequest{Email: coverageEmail})
		return err
	},
	"updateContact": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		_, err := c.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: new(coverageEmail), FirstName: loops.Value("Ada")})
		return err
	},
	"findContact": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		if err := seedContact(ctx, c); err != nil {
			return err
		}
		ct, err := c.Contacts.Find(ctx, loops.ByUserID("user-1"))
		if err == nil && ct.Email != coverageEmail {
			return fmt.Errorf("found %q", ct.Email)
		}
		return err
	},
	"deleteContact": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		if err := seedContact(ctx, c); err != nil {
			return err
		}
		err := c.Contacts.Delete(ctx, loops.ByEmail(coverageEmail))
		return err
	},
	"getContactSuppression": func(ctx context.Context, c *loops.Client, srv *loopstest.Server) error {
		srv.Suppress(coverageEmail)
		st, err := c.Contacts.Suppression(ctx, loops.ByEmail(coverageEmail))
		if err == nil && !st.IsSuppressed {
			return fmt.Errorf("not suppressed")
		}
		return err
	},
	"removeContactSuppression": func(ctx context.Context, c *loops.Client, srv *loopstest.Server) error {
		srv.Suppress(coverageEmail)
		_, err := c.Contacts.RemoveSuppression(ctx, loops.ByEmail(coverageEmail))
		return err
	},
	"listContactProperties": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		props, err := c.ContactProperties.List(ctx, loops.ContactPropertyFilterAll)
		if err == nil && len(props) == 0 {
			return fmt.Errorf("no properties")
		}
		return err
	},
	"createContactProperty": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		err := c.ContactProperties.Create(ctx, "planName", loops.ContactPropertyTypeString)
		return err
	},
	"listMailingLists": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		lists, err := c.MailingLists.List(ctx)
		if err == nil && len(lists) == 0 {
			return fmt.Errorf("no lists")
		}
		return err
	},
	"sendEvent": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		err := c.Events.Send(ctx, &loops.EventRequest{Email: new(coverageEmail), EventName: "signup"})
		return err
	},
	"listPublishedTransactionalEmails": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		page, err := c.Transactional.ListPublished(ctx, &loops.ListOptions{PerPage: 10})
		if err == nil && len(page.Data) == 0 {
			return fmt.Errorf("empty page")
		}
		return err
	},
	"sendTransactionalEmail": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		err := c.Transactional.Send(ctx, &loops.TransactionalRequest{
			TransactionalID: "welcome", Email: coverageEmail, DataVariables: map[string]any{"name": "Ada"},
		})
		return err
	},
	"sendFeedback": func(ctx context.Context, c *loops.Client, srv *loopstest.Server) error {
		if err := c.Feedback.Send(ctx, &loops.FeedbackRequest{Details: "Please add a way to list a mailing list's contacts."}); err != nil {
			return err
		}
		if n := len(srv.Feedback()); n != 1 {
			return fmt.Errorf("the fake recorded %d reports", n)
		}
		return nil
	},
	"listDedicatedSendingIps": func(ctx context.Context, c *loops.Client, _ *loopstest.Server) error {
		ips, err := c.DedicatedSendingIPs.List(ctx)
		if err == nil && len(ips) == 0 {
			return fmt.Errorf("no IPs")
		}
		return err
	},
}

func TestEveryOperationHasAMethod(t *testing.T) {
	ops := loadOperations(t)
	if len(ops) == 0 {
		t.Fatal("the contract has no operations")
	}
	var ids []string
	for id := range ops {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if _, ok := operationMethods[id]; !ok {
			op := ops[id]
			t.Errorf("operation %s (%s %s) has no typed method in operationMethods: add the method and an entry", id, op.method, op.path)
		}
	}
	for id := range operationMethods {
		if _, ok := ops[id]; !ok {
			t.Errorf("operationMethods has an entry for %q, which is not in the contract", id)
		}
	}

	for _, id := range ids {
		call, ok := operationMethods[id]
		if !ok {
			continue
		}
		op := ops[id]
		t.Run(id, func(t *testing.T) {
			srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(
				loopstest.TransactionalEmail{ID: "welcome", Name: "Welcome", DataVariables: []string{"name"}},
			))
			c := newClient(t, srv)
			if err := call(context.Background(), c, srv); err != nil {
				t.Fatalf("%s (%s %s) failed: %v", id, op.method, op.path, err)
			}
			reqs := srv.Requests()
			if len(reqs) == 0 {
				t.Fatalf("%s sent no request", id)
			}
			last := reqs[len(reqs)-1]
			path := strings.TrimPrefix(last.Path, "/api")
			if last.Method != op.method || !pathMatches(op.path, path) {
				t.Errorf("%s: the last request was %s %s, want %s %s", id, last.Method, path, op.method, op.path)
			}
			if last.Status < 200 || last.Status > 299 {
				t.Errorf("%s: the fake answered %d", id, last.Status)
			}
			if last.Fault != "" || last.Attempt != 1 {
				t.Errorf("%s: unexpected retry or fault (attempt %d, fault %q)", id, last.Attempt, last.Fault)
			}
			if v := srv.Violations(); len(v) > 0 {
				t.Errorf("%s: contract violations: %q", id, v)
			}
		})
	}
}

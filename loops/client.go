package loops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/loopsdev/loops-go/gen"
)

// Client talks to the Loops API. Create it with [NewClient]; it is safe for
// concurrent use, and one Client per API key is all a program needs. A
// Client declared without NewClient fails every call with an error saying
// so (Raw, which returns no error, returns nil for it).
//
// Each API area is a service field: client.Contacts.Create,
// client.Events.Send, client.Transactional.Send and so on. For an endpoint
// the SDK does not cover yet, use [Client.Do]; for the generated low-level
// client with the same auth, retries and pacing, use [Client.Raw].
type Client struct {
	// Account checks the API key and names its team.
	Account *AccountService
	// Contacts creates, updates, finds and deletes contacts and manages
	// their suppression.
	Contacts *ContactsService
	// ContactProperties lists and creates contact properties.
	ContactProperties *ContactPropertiesService
	// MailingLists lists mailing lists.
	MailingLists *MailingListsService
	// Events sends events.
	Events *EventsService
	// Transactional sends transactional email and lists published ones.
	Transactional *TransactionalService
	// DedicatedSendingIPs lists Loops' dedicated sending IP addresses.
	DedicatedSendingIPs *DedicatedSendingIPsService
	// Campaigns manages campaigns.
	Campaigns *CampaignsService
	// CampaignGroups manages the folders campaigns are filed in.
	CampaignGroups *CampaignGroupsService
	// TransactionalGroups manages the folders transactional emails are
	// filed in.
	TransactionalGroups *TransactionalGroupsService
	// EmailMessages edits the content of campaigns and transactional emails.
	EmailMessages *EmailMessagesService
	// AudienceSegments manages saved audience filters.
	AudienceSegments *AudienceSegmentsService
	// Themes manages email themes.
	Themes *ThemesService
	// Components manages reusable LMX blocks.
	Components *ComponentsService
	// Uploads uploads images for email content.
	Uploads *UploadsService
	// EventPatterns lists the events workflows can start from.
	EventPatterns *EventPatternsService
	// Workflows manages workflows, the automated email sequences.
	Workflows *WorkflowsService
	// WorkflowNodes edits the node graphs of workflows.
	WorkflowNodes *WorkflowNodesService
	// Feedback reports to the Loops team what the API lacks or gets wrong.
	Feedback *FeedbackService

	gen           *gen.Client
	pipe          *pipeline
	server        string // base URL ending in "/"
	secret        *secret
	userAgent     string
	uploadTimeout time.Duration
	headers       *fixedHeaders // a pointer, like secret: fmt must not print the key
}

// fixedHeaders are the values every request carries, each built once: the
// request editor puts these slices in the header map as they are (one
// element, no spare capacity, so that an append copies rather than writes
// into them), which saves an allocation per header per request.
type fixedHeaders struct{ auth, userAgent, accept []string }

// secret holds the API key behind a pointer, so that fmt (which prints a
// nested pointer as an address) cannot show it even for a dereferenced
// Client value.
type secret struct {
	apiKey      string
	bearer      string // "Bearer <key>", built once
	jsonEscaped string // the key as JSON would escape it, when different
}

func newSecret(key string) *secret {
	s := &secret{apiKey: key, bearer: "Bearer " + key}
	if b, err := json.Marshal(key); err == nil {
		if esc := string(b[1 : len(b)-1]); esc != key {
			s.jsonEscaped = esc
		}
	}
	return s
}

// redact removes the key, raw or JSON-escaped, from text that may echo it,
// so it can never reach an error message or a log.
func (s *secret) redact(b []byte) []byte {
	for _, form := range []string{s.apiKey, s.jsonEscaped} {
		if form != "" && bytes.Contains(b, []byte(form)) {
			b = bytes.ReplaceAll(b, []byte(form), []byte("[redacted]"))
		}
	}
	return b
}

// service is shared by every API area (go-github's pattern): each area is a
// distinct named type over it, so its methods group in the docs.
type service struct{ client *Client }

// clientOf returns the Client behind any service, or nil for the nil
// service of a zero-value Client (declared, not made with NewClient), whose
// calls then fail with errNotInitialised instead of panicking.
func clientOf[S ~struct{ client *Client }](s *S) *Client {
	if s == nil {
		return nil
	}
	return service(*s).client
}

// NewClient returns a client for apiKey; an empty apiKey is read from the
// LOOPS_API_KEY environment variable. Options change the defaults: the
// base URL, the *http.Client, retries and backoff, rate limiting, logging
// and timeouts.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	if apiKey == "" {
		apiKey = os.Getenv("LOOPS_API_KEY")
	}
	if apiKey == "" {
		return nil, errors.New("loops: no API key: pass one to NewClient or set LOOPS_API_KEY")
	}
	if hasControl(apiKey) || strings.ContainsAny(apiKey, " \t") {
		// The key itself stays out of the message.
		return nil, errors.New("loops: the API key contains spaces or control characters")
	}
	cfg := defaultConfig()
	for _, opt := range opts {
		if err := opt.applyClient(&cfg); err != nil {
			return nil, err
		}
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.baseURL, "/"))
	if err != nil {
		return nil, errors.New("loops: invalid base URL")
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{}
	}
	hc = withRedirectPolicy(hc) // a copy: the caller's client stays as it was
	c := &Client{
		pipe: &pipeline{
			http:           hc,
			limiter:        cfg.limiter,
			contentLimiter: cfg.contentLimiter,
			request:        cfg.request,
			logger:         cfg.logger,
			basePath:       base.Path,
			observer:       cfg.observer,
		},
		server:        base.String() + "/",
		secret:        newSecret(apiKey),
		userAgent:     cfg.userAgent,
		uploadTimeout: cfg.uploadTimeout,
	}
	c.pipe.chain = chainMiddleware(cfg.request.middleware, hc.Do)
	c.headers = &fixedHeaders{auth: []string{c.secret.bearer}, userAgent: []string{c.userAgent}, accept: []string{"application/json"}}
	c.gen = &gen.Client{Server: c.server, Client: c.pipe, RequestEditors: []gen.RequestEditorFn{c.editRequest}}
	c.initServices()
	return c, nil
}

// editRequest adds what every request carries: the bearer key, the SDK's
// User-Agent and the JSON Accept header.
func (c *Client) editRequest(_ context.Context, req *http.Request) error {
	req.Header["Authorization"] = c.headers.auth
	req.Header["User-Agent"] = c.headers.userAgent
	req.Header["Accept"] = c.headers.accept
	return nil
}

// Raw returns the generated low-level client (package gen) wired to the
// same base URL, API key, User-Agent, retries, idempotency keys and rate
// limiter as c. Its methods return the *http.Response and leave status
// handling and decoding to you (close the body); a send through it gets a
// generated Idempotency-Key unless you set one in its params.
func (c *Client) Raw() *gen.Client {
	if c == nil {
		return nil
	}
	return c.gen
}

// String describes the client without its API key.
func (c *Client) String() string { return "loops.Client(" + c.server + ")" }

// GoString keeps the API key out of %#v output.
func (c *Client) GoString() string { return c.String() }

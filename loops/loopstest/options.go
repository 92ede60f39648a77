package loopstest

import (
	"math"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// Defaults of a server built without options.
const (
	// DefaultAPIKey is the only key a server accepts unless WithAPIKey says otherwise.
	DefaultAPIKey = "loops-test-key"
	// DefaultTeamName is what GET /v1/api-key reports unless WithTeamName says otherwise.
	DefaultTeamName = "Loops Test Team"
	// DefaultRatePerSecond and DefaultRateBurst mirror Loops' documented
	// limit of 10 requests per second per team (the client's own default,
	// declared in openapi/upstream-facts.yaml).
	DefaultRatePerSecond = loops.DefaultRequestsPerSecond
	DefaultRateBurst     = loops.DefaultRequestsPerSecond
	// DefaultContentPerMinute is the content API's budget per team, counted
	// in any 60 s span unless WithContentBudget says otherwise.
	DefaultContentPerMinute = loops.DefaultContentRequestsPerMinute
	// DefaultSuppressionRemovalLimit is how many suppression removals the
	// team may make in a rolling 30 days.
	DefaultSuppressionRemovalLimit = 10
)

// Option configures a server built by New or NewServer.
type Option func(*config)

// config is the immutable setup of one server; options fill it in before
// the server starts and nothing changes it afterwards.
type config struct {
	apiKey       string
	teamName     string
	rate         RateModel
	contentRate  RateModel
	lists        []loops.MailingList
	emails       []TransactionalEmail
	ips          []string
	now          func() time.Time
	listen       bool
	hook         func(Request)
	removalLimit int
	webhookURL   string
	webhookWait  time.Duration
}

func defaultConfig() config {
	return config{
		apiKey:      DefaultAPIKey,
		teamName:    DefaultTeamName,
		rate:        TokenBucket(DefaultRatePerSecond, time.Second, DefaultRateBurst),
		contentRate: SlidingWindow(DefaultContentPerMinute, time.Minute),
		// Two lists whose IDs are the ones the contract's examples use, so
		// example payloads work against a server with no options.
		lists: []loops.MailingList{
			{ID: "cm06f5v0e45nf0ml5754o9cix", Name: "Product updates", IsPublic: true},
			{ID: "cm16k73gq014h0mmj5b6jdi9r", Name: "Newsletter", Description: new("Monthly news"), IsPublic: false},
		},
		ips:          []string{"192.0.2.10", "192.0.2.11"},
		now:          time.Now,
		listen:       true,
		removalLimit: DefaultSuppressionRemovalLimit,
		webhookWait:  DefaultWebhookTimeout,
	}
}

// TransactionalEmail is a transactional email template the server knows.
type TransactionalEmail struct {
	// ID is what senders pass as transactionalId.
	ID string
	// Name is the template's name as listed by GET /v1/transactional.
	Name string
	// DataVariables are the variables the template requires: a send that
	// leaves one out is refused with 400, as Loops does.
	DataVariables []string
	// LastUpdated orders the list (newest first); the zero time means the
	// server's clock when the server was built.
	LastUpdated time.Time
	// Draft marks a template that was never published: it is left out of
	// the list and sending it is refused with 400.
	Draft bool
}

// WithAPIKey sets the only API key the server accepts. An empty key panics,
// because no request could ever authenticate.
func WithAPIKey(key string) Option {
	if key == "" {
		panic("loopstest: WithAPIKey needs a non-empty key")
	}
	return func(c *config) { c.apiKey = key }
}

// WithTeamName sets the team name GET /v1/api-key reports.
func WithTeamName(name string) Option {
	return func(c *config) { c.teamName = name }
}

// WithRateLimit sets a token bucket per API key: perSecond tokens a
// second, up to burst (Loops' documented limit is 10 a second). A
// perSecond of zero or less disables rate limiting, the content budget's
// too. It is WithRateModel(TokenBucket(perSecond, time.Second, burst)).
func WithRateLimit(perSecond float64, burst int) Option {
	if perSecond <= 0 {
		return WithoutRateLimit()
	}
	return WithRateModel(TokenBucket(int(math.Round(perSecond)), time.Second, burst))
}

// WithRateModel sets how the server counts requests against the general
// limit: TokenBucket, FixedWindow or SlidingWindow.
func WithRateModel(m RateModel) Option { return func(c *config) { c.rate = m } }

// WithContentBudget sets how the server counts content-API requests (the
// operations of the contract's content-API tags), on top of the general
// limit; nil turns the budget off. The default is SlidingWindow(60,
// time.Minute).
func WithContentBudget(m RateModel) Option { return func(c *config) { c.contentRate = m } }

// WithoutRateLimit disables rate limiting; responses still carry the
// x-ratelimit headers, reporting the default limit as untouched.
func WithoutRateLimit() Option {
	return func(c *config) { c.rate, c.contentRate = unlimited{}, nil }
}

// WithMailingLists replaces the default mailing lists. A list whose
// Description is nil is reported with a null description, as Loops does
// for lists that have none.
func WithMailingLists(lists ...loops.MailingList) Option {
	return func(c *config) { c.lists = append([]loops.MailingList(nil), lists...) }
}

// WithTransactionalEmails adds transactional email templates to the server,
// which knows none by default. Sending any other transactionalId gives 404.
// Each template is listed both by the deprecated GET /v1/transactional
// (Transactional.ListPublished, drafts left out) and by the content API's
// GET /v1/transactional-emails (Transactional.List and Get, drafts
// included, a published one with a message whose subject is its name).
// IDs must be unique and non-empty: otherwise New panics and NewServer
// fails the test.
func WithTransactionalEmails(emails ...TransactionalEmail) Option {
	return func(c *config) { c.emails = append(c.emails, emails...) }
}

// WithDedicatedSendingIPs sets what GET /v1/dedicated-sending-ips returns.
func WithDedicatedSendingIPs(ips ...string) Option {
	return func(c *config) { c.ips = append([]string{}, ips...) }
}

// WithClock sets the source of the current time, used by the rate limiter,
// the Idempotency-Key window, the suppression quota window and every
// recorded timestamp. Tests that need time to pass advance their clock
// instead of sleeping. A nil function is ignored. The server calls it with
// its lock held, so it must not call the Server's methods.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// WithoutListener builds the server without a network listener: requests
// reach it only through Transport or Handler. This is what a test inside a
// testing/synctest bubble needs, since a goroutine blocked on a socket keeps
// the bubble's fake clock from advancing. URL then returns an address under
// the reserved .invalid domain, which only Transport can serve.
func WithoutListener() Option {
	return func(c *config) { c.listen = false }
}

// WithRequestHook calls fn with every request as it arrives, before any
// fault is applied, in the goroutine serving it. A test can use it to learn
// that a request is in flight (for example, to cancel a client stuck on a
// Hang fault) without polling. fn must not block for long.
func WithRequestHook(fn func(Request)) Option {
	return func(c *config) { c.hook = fn }
}

// WithSuppressionRemovalQuota sets how many suppression removals the team
// may make in a rolling 30 days (default 10).
func WithSuppressionRemovalQuota(limit int) Option {
	return func(c *config) { c.removalLimit = max(limit, 0) }
}

package loops

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// DefaultAttemptTimeout bounds one attempt (connect, send, read the answer)
// unless [WithAttemptTimeout] changes it. The whole call, retries and waits
// included, is bounded only by the ctx you pass.
const DefaultAttemptTimeout = 30 * time.Second

// Option configures a [Client] at construction. The With... functions of
// this package make them; those that return a [RequestOption] also work
// for a single call.
type Option interface {
	applyClient(*config) error
}

// CallOption adjusts a single call: [WithIdempotencyKey],
// [WithResponseInfo], and every [RequestOption].
type CallOption interface {
	applyCall(*callState)
}

// RequestOption is an option that works in both places: given to
// [NewClient] it applies to every call of the client, and given to one call
// it overrides the client's setting for that call alone. WithMaxRetries,
// WithBackoff, WithAttemptTimeout, WithHeader and WithMiddleware make them:
//
//	client, err := loops.NewClient("", loops.WithMaxRetries(5))
//	err = client.Events.Send(ctx, req, loops.WithMaxRetries(0), loops.WithHeader("X-Request-Id", id))
//
// An invalid one fails NewClient, or the call (with a [*ValidationError],
// before anything is sent).
type RequestOption func(*requestConfig) error

// requestConfig is what a RequestOption sets: the client's defaults, or
// one call's copy of them.
type requestConfig struct {
	retry          retryPolicy
	attemptTimeout time.Duration // 0: only the call's ctx bounds an attempt
	header         http.Header   // extra headers on every request; copied before any change
	middleware     []Middleware  // around each attempt; appended to, never changed in place
}

func (o RequestOption) applyClient(c *config) error { return o(&c.request) }

// applyCall gives the call its own copy of the client's settings on the
// first RequestOption, so that calls without one share the client's.
func (o RequestOption) applyCall(st *callState) {
	if st.request == st.client {
		own := *st.client
		st.request = &own
	}
	if err := o(st.request); err != nil && st.optErr == nil {
		st.optErr = err
	}
}

// clientOption and callOption are the functions behind the options that
// work in one place only.
type clientOption func(*config) error

func (o clientOption) applyClient(c *config) error { return o(c) }

type callOption func(*callState)

func (o callOption) applyCall(st *callState) { o(st) }

type config struct {
	baseURL        string
	httpClient     *http.Client
	userAgent      string
	request        requestConfig
	limiter        Limiter
	contentLimiter Limiter
	logger         *slog.Logger
	uploadTimeout  time.Duration
	observer       Observer
}

func defaultConfig() config {
	return config{
		baseURL:   DefaultBaseURL,
		userAgent: DefaultUserAgent,
		request: requestConfig{
			retry: retryPolicy{
				maxRetries: DefaultMaxRetries,
				base:       DefaultBackoffBase,
				max:        DefaultBackoffMax,
				jitter:     DefaultJitter,
			},
			attemptTimeout: DefaultAttemptTimeout,
		},
		limiter:        NewLimiter(DefaultRequestsPerSecond),
		contentLimiter: NewLimiterPer(DefaultContentRequestsPerMinute, time.Minute),
		uploadTimeout:  DefaultUploadTimeout,
	}
}

// WithBaseURL points the client at another server, such as a
// loopstest fake: "http://127.0.0.1:8080/api". Operation paths (/v1/...)
// are appended to it.
func WithBaseURL(base string) Option {
	return clientOption(func(c *config) error {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("loops: WithBaseURL: want an absolute http(s) URL")
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return errors.New("loops: WithBaseURL: the URL must not carry a query, fragment or user info")
		}
		c.baseURL = base
		return nil
	})
}

// WithHTTPClient sends requests through hc, keeping its Transport,
// proxies, TLS settings and tracing. Prefer hc.Timeout = 0 and let
// [WithAttemptTimeout] and your ctx bound requests. The client uses a copy
// of hc with a stricter redirect policy (hc itself is never modified):
// only GET and HEAD are redirected, only within the API's origin, never
// with a Referer, and hc's own CheckRedirect still applies to those; any
// other redirect comes back as an [*APIError] with the 3xx status.
func WithHTTPClient(hc *http.Client) Option {
	return clientOption(func(c *config) error {
		if hc == nil {
			return errors.New("loops: WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	})
}

// WithUserAgent replaces the User-Agent header (default "loops-go/<version>").
func WithUserAgent(ua string) Option {
	return clientOption(func(c *config) error {
		if ua == "" || hasControl(ua) {
			return errors.New("loops: WithUserAgent: want a non-empty header value")
		}
		c.userAgent = ua
		return nil
	})
}

// WithMaxRetries sets how many times a failed request may be sent again
// (default 3). 0 disables retries. A 429 that the default limiter takes as
// another process of the team using the slot (it halves its share or
// moves, see [AdaptiveLimiter]) is not counted, for up to n such 429s a
// call: processes started together find their shares without failing
// sends.
func WithMaxRetries(n int) RequestOption {
	return func(r *requestConfig) error {
		if n < 0 {
			return fmt.Errorf("loops: WithMaxRetries(%d): must not be negative", n)
		}
		r.retry.maxRetries = n
		return nil
	}
}

// WithBackoff sets the wait between retries: base doubled per retry up to
// max, each varied by ±jitter (a fraction from 0 to 1). Defaults: 250 ms,
// 4 s, 0.1. A Retry-After header from the server takes precedence (up to
// a minute; a longer one ends the call with the error), and after a 429 the
// client waits at least one second, Loops' window: by itself, or in the
// limiter when that reports pausing everyone as long (see [PauseReporter]).
//
// WithBackoff(0, 0, 0) retries at once, which is what tests against a fake
// server want (Retry-After and the 429 wait still apply). To turn retries
// off, use [WithMaxRetries](0).
func WithBackoff(base, max time.Duration, jitter float64) RequestOption {
	return func(r *requestConfig) error {
		if (base != 0 || max != 0) && (base <= 0 || max < base) {
			return errors.New("loops: WithBackoff: want 0 < base <= max, or both 0 to retry at once")
		}
		if !(jitter >= 0 && jitter <= 1) { // also refuses NaN
			return errors.New("loops: WithBackoff: jitter must be between 0 and 1")
		}
		r.retry.base, r.retry.max, r.retry.jitter = base, max, jitter
		return nil
	}
}

// WithRateLimit paces this client to perSecond requests a second (default
// 10, Loops' limit per team). A rate that is not finite and positive is
// refused; one below one request an hour is clamped to that (see
// [NewLimiter]). To share one budget between clients use [WithLimiter]; to
// turn pacing off use [WithoutRateLimit].
func WithRateLimit(perSecond float64) Option {
	return clientOption(func(c *config) error {
		if !validRate(perSecond) {
			return errors.New("loops: WithRateLimit: want a finite positive rate (use WithoutRateLimit to disable)")
		}
		c.limiter = NewLimiter(perSecond)
		return nil
	})
}

// WithLimiter paces requests with l, which may be shared with other
// clients of the same team (see [Limiter]). A nil l disables pacing.
func WithLimiter(l Limiter) Option {
	return clientOption(func(c *config) error {
		c.limiter = l
		return nil
	})
}

// WithoutRateLimit turns client-side pacing off, the content budget's too;
// Loops may then answer 429, which the client retries.
func WithoutRateLimit() Option {
	return clientOption(func(c *config) error {
		c.limiter, c.contentLimiter = nil, nil
		return nil
	})
}

// WithContentRateLimit paces content-API calls (campaigns, email messages,
// themes, components, transactional templates and groups, uploads,
// workflows) to perMinute a minute (default 60, Loops' budget per team),
// on top of the general limit. Which calls count comes from the contract.
// A rate that is not finite and positive is refused; one below one request
// an hour is clamped to that.
func WithContentRateLimit(perMinute float64) Option {
	return clientOption(func(c *config) error {
		if !validRate(perMinute) {
			return errors.New("loops: WithContentRateLimit: want a finite positive rate (use WithContentLimiter(nil) to disable)")
		}
		c.contentLimiter = NewLimiterPer(perMinute, time.Minute)
		return nil
	})
}

// WithContentLimiter paces content-API calls with l, which may be shared;
// nil turns the content budget off.
func WithContentLimiter(l Limiter) Option {
	return clientOption(func(c *config) error {
		c.contentLimiter = l
		return nil
	})
}

// WithLogger logs each attempt (at Debug) and each retry (at Info) to l.
// Log records carry the route, status, attempt and timing; never the API
// key, headers, bodies or query strings.
func WithLogger(l *slog.Logger) Option {
	return clientOption(func(c *config) error {
		c.logger = l
		return nil
	})
}

// WithAttemptTimeout bounds each attempt separately (default 30 s); 0 leaves
// attempts bounded only by the call's ctx. A one-shot write (such as
// creating a contact) that times out is not retried, since Loops may have
// acted on it.
func WithAttemptTimeout(d time.Duration) RequestOption {
	return func(r *requestConfig) error {
		if d < 0 {
			return errors.New("loops: WithAttemptTimeout: must not be negative")
		}
		r.attemptTimeout = d
		return nil
	}
}

// WithHeader sets header name to value on the API requests it applies to
// (every one of the client's, or one call's), such as a request ID for
// your logs; a later WithHeader of the same name replaces it. Headers the
// client owns (Authorization, Idempotency-Key, Content-Type,
// Content-Length, Host, User-Agent: see [WithUserAgent] and
// [WithIdempotencyKey]) are refused, as are names and values that are not
// valid in HTTP. Uploads' PUTs to storage never carry it.
func WithHeader(name, value string) RequestOption {
	return func(r *requestConfig) error {
		canonical := http.CanonicalHeaderKey(name)
		switch {
		case !validHeaderName(name):
			return fmt.Errorf("loops: WithHeader(%q): not a valid header name", name)
		case hasControl(value):
			return fmt.Errorf("loops: WithHeader(%q): the value holds control characters", name)
		case ownedHeaders[canonical]:
			return fmt.Errorf("loops: WithHeader(%q): the client sets this header itself", name)
		}
		r.header = r.header.Clone() // the client's map, or another call's, stays as it was
		if r.header == nil {
			r.header = http.Header{}
		}
		r.header[canonical] = []string{value}
		return nil
	}
}

// ownedHeaders are the headers WithHeader may not set.
var ownedHeaders = map[string]bool{"Authorization": true, idempotencyHeader: true, "Content-Type": true,
	"Content-Length": true, "Host": true, "User-Agent": true, "Accept": true}

// validHeaderName reports whether name is an HTTP token (RFC 9110).
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 0x80 || c <= ' ' || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// WithUploadTimeout bounds each PUT of an upload's bytes to storage
// (default 2 minutes): 4 MB over a slow link takes longer than an API call,
// so the per-attempt timeout does not apply to it.
func WithUploadTimeout(d time.Duration) Option {
	return clientOption(func(c *config) error {
		if d <= 0 {
			return errors.New("loops: WithUploadTimeout: must be positive")
		}
		c.uploadTimeout = d
		return nil
	})
}

// WithMiddleware wraps every attempt of a request in mw, in order, the
// first outermost (see [Middleware]). Given to [NewClient] it applies to
// every call; given to one call it adds mw inside the client's middleware
// for that call alone.
func WithMiddleware(mw ...Middleware) RequestOption {
	return func(r *requestConfig) error {
		for _, m := range mw {
			if m == nil {
				return errNilMiddleware
			}
		}
		// Clip: the client's slice, shared by every call, must never be
		// appended to in place.
		r.middleware = append(slices.Clip(r.middleware), mw...)
		return nil
	}
}

// WithIdempotencyKey sends key as the call's Idempotency-Key instead of a
// generated one. Only Events.Send and Transactional.Send accept it. Loops
// processes a key once in 24 hours and answers any repeat with 409. The key
// must be 1 to 100 characters (runes) without control characters or
// leading or trailing whitespace; it is never truncated or trimmed, and a
// key that breaks these rules is refused with a [*ValidationError].
//
// A 409 under your key is read as follows:
//
//   - If this call's own earlier transmission may have landed (an earlier
//     attempt timed out, lost its answer or got a 5xx, or net/http re-sent
//     the request by itself on a broken keep-alive connection), the 409 is
//     that transmission's echo: the call succeeds, and [ResponseInfo]
//     reports Deduplicated, with Attempts and Transmissions saying why.
//   - If this call sent the key exactly once and got 409, the key was used
//     before, by another call: the error matches [ErrAlreadyProcessed]
//     (and its older name, [ErrIdempotencyKeyReused]).
//
// The trade-off: reusing one key for two different sends is a caller bug,
// and it still shows as ErrAlreadyProcessed on the first, single
// transmission. But after an ambiguous attempt, calling the 409 "reused"
// would push a correct caller to retry under a new key and send the email
// twice, so it is reported as the deduplicated success it almost surely
// is. A strict caller can check ResponseInfo.Deduplicated and decide.
func WithIdempotencyKey(key string) CallOption {
	return callOption(func(s *callState) { s.key, s.keyFromCaller = key, true })
}

// WithResponseInfo fills info with the status, headers, raw body,
// rate-limit numbers, attempt count and idempotency key of the call.
func WithResponseInfo(info *ResponseInfo) CallOption {
	return callOption(func(s *callState) { s.info = info })
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

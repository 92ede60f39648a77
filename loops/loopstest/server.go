package loopstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loopsdev/loops-go/loops"
)

// offlineBaseURL is what URL returns for a server built WithoutListener.
// The .invalid top-level domain never resolves (RFC 2606), so a client that
// was not given Transport fails at once instead of reaching some real host.
const offlineBaseURL = "http://loopstest.invalid/api"

// Server is an in-memory fake of the Loops API. Build one with NewServer in
// tests or New elsewhere. All methods are safe for concurrent use, and the
// inspection methods return copies that the caller may keep and modify.
type Server struct {
	cfg      config
	contract *contract
	rate     RateModel
	report   func(string) // extra sink for violations (t.Errorf), or nil
	http     *httptest.Server
	baseURL  string

	// done is closed by Close to release requests held by Hang and Slow.
	done      chan struct{}
	closeOnce sync.Once
	// life is read-locked by every request in flight and write-locked by
	// Close, so Close returns only once no handler can still report.
	life   sync.RWMutex
	closed bool // guarded by life

	// webhookClient makes the server's webhook deliveries (postWebhook).
	webhookClient *http.Client

	mu         sync.Mutex      // guards everything below
	contacts   []object        // in creation order; see contacts.go
	suppressed map[string]bool // contact ids
	properties []loops.ContactProperty
	removals   []time.Time
	events     []Event
	sends      []TransactionalSend
	feedback   []Feedback
	requests   []Request
	attempts   map[string]int
	faults     map[string][]Fault
	idem       map[string]idemEntry
	violations []string
	store      map[string]*collection // content resources, by collection path
	reports    map[string]any         // set reports (metrics, ...), by request path
	previews   map[string]int         // email-message previews sent, by UTC day
	seq        int                    // for ids and revisions
	created    []object               // contacts to announce by webhook
}

// NewServer starts a fake Loops server on a loopback address for the test t
// and closes it when the test ends. Requests or responses that break the
// contract are reported with t.Errorf (and kept for Violations).
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := build(opts)
	if err != nil {
		t.Fatalf("loopstest: %v", err)
	}
	s.report = func(msg string) { t.Errorf("%s", msg) }
	s.start()
	t.Cleanup(s.Close)
	return s
}

// New starts a fake Loops server outside of a test, for example for a demo
// program. Contract violations are only kept, for Violations. The caller
// must call Close. New panics if an option is invalid.
func New(opts ...Option) *Server {
	s, err := build(opts)
	if err != nil {
		panic("loopstest: " + err.Error())
	}
	s.start()
	return s
}

// build applies the options and prepares the state, without listening.
func build(opts []Option) (*Server, error) {
	cfg := defaultConfig()
	for _, opt := range opts {
		opt(&cfg)
	}
	c, err := loadContract()
	if err != nil {
		return nil, err
	}
	cfg.emails, err = publishedOrder(cfg.emails, cfg.now())
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:        cfg,
		contract:   c,
		done:       make(chan struct{}),
		attempts:   map[string]int{},
		faults:     map[string][]Fault{},
		idem:       map[string]idemEntry{},
		suppressed: map[string]bool{},
		store:      map[string]*collection{},
		reports:    map[string]any{},
		previews:   map[string]int{},

		// A client of its own: its own timeout, and idle connections
		// closed with the server.
		webhookClient: &http.Client{Timeout: cfg.webhookWait, Transport: http.DefaultTransport.(*http.Transport).Clone()},
	}
	s.seedTemplates()
	return s, nil
}

func (s *Server) start() {
	if !s.cfg.listen {
		s.baseURL = offlineBaseURL
		return
	}
	s.http = httptest.NewServer(s.Handler())
	s.baseURL = s.http.URL + "/api"
}

// URL returns the base URL to give a client, including the "/api" prefix,
// such as "http://127.0.0.1:41234/api"; operations live under URL()+"/v1/".
func (s *Server) URL() string { return s.baseURL }

// APIKey returns the API key the server accepts.
func (s *Server) APIKey() string { return s.cfg.apiKey }

// Handler returns the whole server as an http.Handler: contract validation,
// faults, rate limiting and the fake API. It expects paths starting with
// "/api/v1/". The connection-dropping faults hijack the connection, so the
// handler must be served by net/http (or used through Transport).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Close stops the server. Requests held by Hang or Slow are released and
// their connections dropped; Close returns once no request is in flight.
// Later requests through Handler or Transport are refused. Close may be
// called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.life.Lock()
		s.closed = true
		s.life.Unlock()
		if s.http != nil {
			s.http.Close()
		}
		s.webhookClient.CloseIdleConnections()
	})
}

// Violations returns every contract violation seen so far, in order: requests
// the contract forbids and responses of the fake that break it.
func (s *Server) Violations() []string { return copies(s, &s.violations, strings.Clone) }

// copies is what the inspection methods return: a copy of each of items,
// made by clone with s.mu held.
func copies[T, C any](s *Server, items *[]T, clone func(T) C) []C {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]C, len(*items))
	for i, v := range *items {
		out[i] = clone(v)
	}
	return out
}

// violation records a contract violation and passes it to the test.
func (s *Server) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	s.violations = append(s.violations, msg)
	s.mu.Unlock()
	if s.report != nil {
		s.report(msg)
	}
}

// enter registers a request in flight; it reports false once the server is
// closed. A true result must be paired with s.life.RUnlock.
func (s *Server) enter() bool {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return false
	}
	return true
}

// isClosed reports whether Close has been called.
func (s *Server) isClosed() bool {
	s.life.RLock()
	defer s.life.RUnlock()
	return s.closed
}

// now reads the configured clock.
func (s *Server) now() time.Time { return s.cfg.now() }

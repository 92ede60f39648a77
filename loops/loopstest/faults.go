package loopstest

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a scripted misbehaviour for one request, built by Status,
// HTMLStatus, RateLimited, RetryAfter, Slow, Hang, DropConnection,
// ProcessThenDrop or Pass, and scheduled with Inject. Faults answer before
// the contract, the key or the rate limiter are consulted, as a load
// balancer in front of Loops would, except Slow (which delays a normal
// answer) and ProcessThenDrop (which withholds one).
type Fault interface {
	// String names the fault as Request.Fault reports it, such as
	// "status(503)" or "process-then-drop"; it is "" for Pass.
	String() string
	isFault()
}

// fault is the one implementation of Fault: what a request gets instead
// of, or around, normal processing. The zero fault is Pass. It holds only
// comparable data, so that Faults compare with ==.
type fault struct {
	name string
	// answer, when set, is answered instead of processing, with code and,
	// for rawBody, text as the body (for rateLimit, text is Retry-After).
	answer answerKind
	code   int
	text   string
	// wait holds the request for delay (for ever when < 0) before it is
	// processed, and drops the connection when the wait is cut short.
	wait  bool
	delay time.Duration
	// drop drops the connection instead of answering, once the request
	// is processed when process is set.
	drop, process bool
}

type answerKind int

const (
	noAnswer answerKind = iota
	jsonError
	htmlError
	rawBody
	rateLimit
)

func (fault) isFault() {}

func (f fault) String() string { return f.name }

// reply builds the answer of a fault that replaces processing.
func (f fault) reply(s *Server) *response {
	switch f.answer {
	case htmlError:
		return htmlPage(f.code)
	case rawBody:
		resp := failure(f.code, "")
		resp.body = []byte(f.text)
		return resp.withRate(s.peekRate())
	case rateLimit:
		resp := failure(http.StatusTooManyRequests, "Rate limit exceeded").withRate(rateState{limit: s.peekRate().limit})
		if f.text != "" {
			resp.header.Set("Retry-After", f.text)
		}
		return resp
	}
	return failure(f.code, cmp.Or(http.StatusText(f.code), fmt.Sprintf("Error %d", f.code))).withRate(s.peekRate())
}

// Status answers with code and a JSON error body {"success":false,
// "message":...}, without processing the request. Use it for 500 and 503.
// It panics if code is not an HTTP status code.
func Status(code int) Fault {
	return fault{name: fmt.Sprintf("status(%d)", checkCode(code)), answer: jsonError, code: code}
}

// HTMLStatus answers with code and an HTML page, as a load balancer does
// (for example 502 or 504), without processing the request. The answer has
// neither a JSON content type nor rate-limit headers.
func HTMLStatus(code int) Fault {
	return fault{name: fmt.Sprintf("html(%d)", checkCode(code)), answer: htmlError, code: code}
}

// Reply answers with code and body, sent as JSON whatever it holds, without
// processing the request: for error bodies the fake would never write, such
// as a new envelope or hostile text. It panics if code is not an HTTP
// status code.
func Reply(code int, body string) Fault {
	return fault{name: fmt.Sprintf("reply(%d)", checkCode(code)), answer: rawBody, code: code, text: body}
}

// RateLimited answers 429 with x-ratelimit-limit, x-ratelimit-remaining: 0
// and a JSON body, without processing the request, whatever the state of the
// real rate limiter.
func RateLimited() Fault { return fault{name: "rate-limited", answer: rateLimit} }

// RetryAfter is RateLimited with a Retry-After header giving d in whole
// seconds, rounded up. Loops does not document Retry-After; this lets a test
// check that a client honours it anyway.
func RetryAfter(d time.Duration) Fault {
	d = max(d, 0)
	return fault{name: fmt.Sprintf("retry-after(%s)", d), answer: rateLimit, text: strconv.Itoa(int(math.Ceil(d.Seconds())))}
}

// Slow waits for d before serving the request normally. If the client gives
// up first (or the server closes), the request is not processed and the
// connection is dropped. d is measured with real timers, which a
// testing/synctest bubble makes instant.
func Slow(d time.Duration) Fault {
	d = max(d, 0)
	return fault{name: fmt.Sprintf("slow(%s)", d), wait: true, delay: d}
}

// Hang never answers: the request is held, unprocessed, until the client
// gives up (its context ends or it closes the connection) or the server is
// closed, and the connection is then dropped.
func Hang() Fault { return fault{name: "hang", wait: true, delay: -1} }

// DropConnection closes the connection without processing the request or
// answering it.
func DropConnection() Fault { return fault{name: "drop", drop: true} }

// ProcessThenDrop processes the request completely (the contact is stored,
// the event recorded, the email "sent", the Idempotency-Key used up) and then
// closes the connection without answering. A client cannot tell this from
// DropConnection; one that retries without an Idempotency-Key does the work
// twice, which is how other SDKs send duplicate emails.
//
// Mind that net/http's Transport resends, once and on its own, a request
// that is a GET or carries an Idempotency-Key header when a reused
// keep-alive connection closes before any answer. That resend is a new
// attempt on the route: after ProcessThenDrop it gets 409, after
// DropConnection it is served normally unless another fault is scripted.
func ProcessThenDrop() Fault { return fault{name: "process-then-drop", drop: true, process: true} }

// Pass serves the request normally; it fills a slot in an Inject script,
// like a nil Fault.
func Pass() Fault { return fault{} }

func checkCode(code int) int {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("loopstest: %d is not an HTTP status code", code))
	}
	return code
}

// Inject scripts the next len(faults) requests to route: the first gets
// faults[0], the second faults[1], and so on; a nil Fault or Pass serves that
// request normally. Requests after the script are served normally. Calling
// Inject again for a route whose script is not used up appends to it.
//
// route is a method and a path without the "/api" prefix, as in
// "POST /v1/events/send"; the prefix is tolerated. Inject panics on a
// route without a method.
func (s *Server) Inject(route string, faults ...Fault) {
	key := normalizeRoute(route)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[key] = append(s.faults[key], faults...)
}

// nextFault pops the fault scheduled for the next request to key (Pass
// for none, or for a nil Fault). The caller holds s.mu.
func (s *Server) nextFault(key string) fault {
	queue := s.faults[key]
	if len(queue) == 0 {
		return fault{}
	}
	s.faults[key] = queue[1:]
	f, _ := queue[0].(fault)
	return f
}

// normalizeRoute turns "post /api/v1/x" into "POST /v1/x".
func normalizeRoute(route string) string {
	method, path, ok := strings.Cut(strings.TrimSpace(route), " ")
	if !ok || method == "" {
		panic(fmt.Sprintf("loopstest: route %q must look like \"POST /v1/events/send\"", route))
	}
	return routeKey(strings.ToUpper(method), strings.TrimSpace(path))
}

// routeKey names the route of a request for Inject, RequestCount and
// Request.Route.
func routeKey(method, path string) string {
	if strings.HasPrefix(path, apiPrefix+"/") {
		path = strings.TrimPrefix(path, apiPrefix)
	}
	if strings.HasPrefix(path, storagePrefix) {
		path = strings.TrimSuffix(storagePrefix, "/")
	}
	return method + " " + path
}

// peekRate is the general limit's state for the server's key, which the
// answers of faults report without spending a request.
func (s *Server) peekRate() rateState { return s.cfg.rate.peek(s.cfg.apiKey, s.now()) }

// htmlPage is the kind of page a load balancer answers with.
func htmlPage(code int) *response {
	title := fmt.Sprintf("%d %s", code, http.StatusText(code))
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	body := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
		title + "</h1></center>\r\n</body>\r\n</html>\r\n"
	return &response{status: code, header: h, body: []byte(body)}
}

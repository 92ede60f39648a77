package loopstest

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds what the fake reads of a request body. Loops caps a
// transactional request at 4 MB; the margin leaves room to observe a client
// that exceeds it.
const maxBody = 16 << 20

// exchange is one request travelling through the server.
type exchange struct {
	r     *http.Request
	body  []byte
	index int   // position in s.requests
	fault fault // the zero fault (Pass) when the request is served normally
}

// call is what an operation handler gets: a request that passed the
// contract, authentication and the rate limiter.
type call struct {
	r    *http.Request
	rt   *route
	body []byte
	obj  object // the body, which the contract makes a JSON object; nil for none
	now  time.Time
}

// operations maps the contract's operationIds to the fake's handlers.
var operations = map[string]func(*Server, *call) *response{
	"testApiKey":                       (*Server).testAPIKey,
	"createContact":                    (*Server).createContact,
	"updateContact":                    (*Server).updateContact,
	"findContact":                      (*Server).findContact,
	"deleteContact":                    (*Server).deleteContact,
	"getContactSuppression":            (*Server).getSuppression,
	"removeContactSuppression":         (*Server).removeSuppression,
	"listContactProperties":            (*Server).listProperties,
	"createContactProperty":            (*Server).createProperty,
	"listMailingLists":                 (*Server).listMailingLists,
	"sendEvent":                        (*Server).sendEvent,
	"listPublishedTransactionalEmails": (*Server).listTransactional,
	"sendTransactionalEmail":           (*Server).sendTransactional,
	"listDedicatedSendingIps":          (*Server).listDedicatedIPs,
	"ensureTransactionalDraft":         on(transactionals, ensureDraft),
	"publishTransactionalEmail":        on(transactionals, publish),
	"previewEmailMessage":              on(messages, preview),
	"completeUpload":                   on(uploads, completeUpload),
	"getEventPatternByName":            (*Server).eventPatternByName,
	"deleteWorkflow":                   graphOp(deleteWorkflow),
	"changeWorkflowMailingList":        graphOp(changeMailingList),
	"createWorkflowNode":               graphOp(createNode),
	"getWorkflowNode":                  graphOp(getNode),
	"updateWorkflowNode":               graphOp(updateNode),
	"deleteWorkflowNode":               graphOp(deleteNodes(false)),
	"deleteWorkflowNodeRecursively":    graphOp(deleteNodes(true)),
	"addWorkflowBranch":                graphOp(addBranch),
	"rerouteNodeConnection":            graphOp(reroute),
	"getWorkflowNodeMetrics":           graphOp(nodeMetrics),
	"sendFeedback":                     (*Server).sendFeedback,
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		failure(http.StatusServiceUnavailable, "loopstest: server closed").
			withRate(s.peekRate()).write(w)
		return
	}
	defer s.life.RUnlock()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		// The client went away while sending; there is nobody to answer.
		return
	}
	x := s.begin(r, body)
	if s.cfg.hook != nil {
		s.cfg.hook(s.requestAt(x.index))
	}
	s.run(w, x)
}

// run applies the request's fault, if any, around normal processing.
func (s *Server) run(w http.ResponseWriter, x *exchange) {
	switch f := x.fault; {
	case f.answer != noAnswer:
		s.respond(w, x, f.reply(s))
	case f.wait && !s.wait(x.r, f.delay):
		s.drop(w, x)
	case f.drop:
		if f.process {
			s.process(x)
		}
		s.drop(w, x)
	default:
		s.respond(w, x, s.process(x))
	}
}

// wait blocks for d (forever when d < 0) and reports whether it ran to the
// end rather than being cut short by the client or by Close. It uses real
// timers, which testing/synctest replaces with its fake clock.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	var expired <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-expired:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}

// respond writes resp and records its status.
func (s *Server) respond(w http.ResponseWriter, x *exchange, resp *response) {
	resp.write(w)
	s.finish(x, resp.status)
}

// drop closes the connection without an answer; the journal shows status 0.
func (s *Server) drop(w http.ResponseWriter, x *exchange) {
	s.finish(x, 0)
	dropConnection(w)
}

// process runs a request through the contract, authentication, the rate
// limiter and the operation, and returns the answer without writing it.
func (s *Server) process(x *exchange) *response {
	if strings.HasPrefix(x.r.URL.Path, storagePrefix) {
		return s.storeBytes(x) // storage, not the API: no contract, key or limit
	}
	rt, err := s.contract.find(x.r)
	if err != nil {
		return s.noRoute(x.r, err)
	}
	invalid := s.checkRequest(x.r, rt)
	resp, rate := s.gate(x.r, rt, invalid)
	if resp == nil {
		resp = s.dispatch(rt, &call{r: x.r, rt: rt, body: x.body, now: s.now()})
		s.deliverCreated(x.r.Context())
	}
	resp.withRate(rate)
	if invalid == "" {
		// A fake's answer to a request it should never have got is not
		// covered by the contract, so only answers to valid requests are
		// checked.
		s.checkResponse(x.r, rt, resp)
	}
	return resp
}

// gate answers for the requests Loops turns away before doing any work: a
// wrong key (401), too many requests (429) and, for the fake, requests the
// contract forbids (400). It returns a nil response to let the request
// through, and in every case the rate-limit state to report.
func (s *Server) gate(r *http.Request, rt *route, invalid string) (*response, rateState) {
	now := s.now()
	key, ok := bearer(r)
	if !ok || subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.apiKey)) != 1 {
		// A rejected key spends no tokens: it belongs to no team. Loops'
		// answer still carries the deprecated "error" string.
		return newJSON(http.StatusUnauthorized, errorBody{Message: "Invalid API key", Error: "Invalid API key"}), s.cfg.rate.peek(key, now)
	}
	rate := s.cfg.rate.take(key, now)
	if rate.allowed && s.cfg.contentRate != nil && s.contract.content(rt) {
		if budget := s.cfg.contentRate.take(key, now); !budget.allowed {
			return failure(http.StatusTooManyRequests, "Content API rate limit exceeded"), budget
		}
	}
	switch {
	case !rate.allowed:
		return failure(http.StatusTooManyRequests, "Rate limit exceeded"), rate
	case invalid != "":
		return failure(http.StatusBadRequest, invalid), rate
	}
	return nil, rate
}

// dispatch runs the operation's handler with s.mu held, so that each
// operation sees and changes the state at once.
func (s *Server) dispatch(rt *route, c *call) *response {
	_ = json.Unmarshal(c.body, &c.obj) // the contract has checked it
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := operations[rt.opID]
	if !ok {
		if k, shape, ok := storeOp(rt); ok {
			return s.serveStore(c, k, shape)
		}
		// Only reachable if the contract gains an operation the fake lacks.
		return failure(http.StatusNotImplemented, "loopstest: "+rt.opID+" is not implemented by the fake")
	}
	return h(s, c)
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

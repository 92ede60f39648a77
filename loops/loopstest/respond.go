package loopstest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
)

// response is an answer built in memory before any byte reaches the client,
// so that it can be checked against the contract and, for ProcessThenDrop,
// withheld altogether.
type response struct {
	status int
	header http.Header
	body   []byte
}

// errorBody is the {success:false, message} envelope of Loops' v1 API, with
// the extras some endpoints add.
type errorBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
	Error   any    `json:"error,omitempty"`
}

// errorDetail is the nested error of a transactional 404.
type errorDetail struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// newJSON encodes v as a JSON answer. The fake encodes only its own types,
// so a failure is a bug in the fake and panics.
func newJSON(status int, v any) *response {
	body, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("loopstest: encoding a %d response: %v", status, err))
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &response{status: status, header: h, body: body}
}

// failure is the common {success:false, message} error answer.
func failure(status int, msg string) *response {
	return newJSON(status, errorBody{Message: msg})
}

// withRate stamps the rate-limit headers Loops puts on every answer.
func (r *response) withRate(rs rateState) *response {
	r.header.Set("X-Ratelimit-Limit", strconv.Itoa(rs.limit))
	r.header.Set("X-Ratelimit-Remaining", strconv.Itoa(rs.remaining))
	return r
}

func (r *response) write(w http.ResponseWriter) {
	maps.Copy(w.Header(), r.header)
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body) // a client that went away is not the fake's problem
}

// dropper is implemented by the in-process writer of Transport, which has
// no connection to hijack.
type dropper interface{ drop() }

// dropConnection ends the exchange without an answer: the client sees its
// connection closed, as when a load balancer or the process dies.
func dropConnection(w http.ResponseWriter) {
	if d, ok := w.(dropper); ok {
		d.drop()
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2, a recorder): abort the handler, which
		// net/http turns into a reset stream or closed connection.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

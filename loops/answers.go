package loops

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// ErrIncompleteAnswer is matched by the error of a call whose 2xx answer
// lacks a field the contract requires (an empty body included): decoding
// it would hand back zero values (an empty team name, an empty contact
// ID) as if Loops had sent them.
var ErrIncompleteAnswer = errors.New("loops: answer lacks required fields")

// unsuccessful reports whether a 2xx body is an object whose top-level
// "success" is false: Loops' classic error envelope, sent with the wrong
// status. The usual answers ({"success":true}, or objects without
// "false" anywhere) are told apart without decoding.
func unsuccessful(body []byte) bool {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' || !bytes.Contains(body, []byte("false")) || !bytes.Contains(body, []byte(`"success"`)) {
		return false
	}
	var env struct {
		Success *bool `json:"success"`
	}
	return json.Unmarshal(body, &env) == nil && env.Success != nil && !*env.Success
}

// checkRequired returns an error matching ErrIncompleteAnswer when body,
// a 2xx answer, lacks any of the fields the contract requires of it
// (route.required, generated from openapi/loops.yaml). A body that is not
// a JSON object is left to the decoder, which reports it.
func checkRequired(required []string, body []byte) error {
	if len(required) == 0 {
		return nil
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return &incompleteAnswer{"is empty; the contract requires " + strings.Join(required, ", ")}
	}
	var fields map[string]json.RawMessage
	if body[0] != '{' || json.Unmarshal(body, &fields) != nil {
		return nil
	}
	var missing []string
	for _, name := range required {
		if _, ok := fields[name]; !ok {
			missing = append(missing, name)
		}
	}
	if missing == nil {
		return nil
	}
	return &incompleteAnswer{"lacks the required " + strings.Join(missing, ", ")}
}

type incompleteAnswer struct{ what string }

func (e *incompleteAnswer) Error() string        { return e.what }
func (e *incompleteAnswer) Is(target error) bool { return target == ErrIncompleteAnswer }

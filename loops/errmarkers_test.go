package loops

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// contractErrorExamples returns the message and status of every example
// the contract gives for a 400 or 409 answer, by example name.
func contractErrorExamples(t *testing.T) map[string]errorExample {
	t.Helper()
	doc := Contract(t)
	out := map[string]errorExample{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, status := range []int{400, 409} {
				resp := op.Responses.Status(status)
				if resp == nil || resp.Value == nil {
					continue
				}
				for _, media := range resp.Value.Content {
					for name, ex := range media.Examples {
						v, _ := ex.Value.Value.(map[string]any)
						msg, ok := v["message"].(string)
						if !ok {
							t.Fatalf("%s %s: %d example %s has no message", method, path, status, name)
						}
						out[name] = errorExample{status, msg}
					}
				}
			}
		}
	}
	return out
}

type errorExample struct {
	status  int
	message string
}

// Every text read from a message is checked against the contract's
// examples: each marker appears in every example of its kind and in no
// other, and the error built from each example matches the sentinels it
// should. A reworded example fails here.
func TestMessageMarkersMatchContractExamples(t *testing.T) {
	examples := contractErrorExamples(t)
	for m, marker := range messageMarkers {
		t.Run(fmt.Sprintf("%d:%s", m, marker.text), func(t *testing.T) {
			shown := 0
			for _, name := range slices.Sorted(maps.Keys(examples)) {
				msg := examples[name].message
				want := strings.HasPrefix(name, marker.examples)
				if got := says(msg, messageMarker(m)); got != want {
					t.Errorf("example %s: says(%q) = %v, want %v: %q", name, marker.text, got, want, msg)
				}
				if want {
					shown++
				}
			}
			if shown == 0 {
				t.Errorf("no 400 or 409 example in openapi/loops.yaml is named %s*: nothing checks %q", marker.examples, marker.text)
			}
		})
	}
	for _, name := range slices.Sorted(maps.Keys(examples)) {
		t.Run(name, func(t *testing.T) {
			e := &APIError{StatusCode: examples[name].status, Message: examples[name].message}
			stale := strings.HasPrefix(name, messageMarkers[markerStaleRevision].examples)
			confirm := strings.HasPrefix(name, messageMarkers[markerConfirmDelete].examples)
			multiple := strings.HasPrefix(name, messageMarkers[markerMultipleContacts].examples)
			if errors.Is(e, ErrRevisionConflict) != stale || errors.Is(e, ErrConfirmationRequired) != confirm || errors.Is(e, ErrMultipleContacts) != multiple {
				t.Errorf("%q: ErrRevisionConflict %v, ErrConfirmationRequired %v, ErrMultipleContacts %v; want %v, %v, %v",
					e.Message, errors.Is(e, ErrRevisionConflict), errors.Is(e, ErrConfirmationRequired), errors.Is(e, ErrMultipleContacts), stale, confirm, multiple)
			}
			id := e.LatestRevisionID()
			if stale != (id != "") || stale && (strings.ContainsAny(id, " .") || !strings.Contains(e.Message, " "+id+".")) {
				t.Errorf("%q: LatestRevisionID() = %q", e.Message, id)
			}
		})
	}
}

// A revision conflict that names no revision (an old workflow never
// changed through the revision-aware API) gives an empty LatestRevisionID.
func TestLatestRevisionIDNull(t *testing.T) {
	e := &APIError{StatusCode: 409, Message: "workflowRevisionId mismatch. Latest workflowRevisionId is null. Refetch and retry."}
	if !errors.Is(e, ErrRevisionConflict) || e.LatestRevisionID() != "" {
		t.Errorf("got conflict %v, latest %q", errors.Is(e, ErrRevisionConflict), e.LatestRevisionID())
	}
}

package loops

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/loopsdev/loops-go/openapi"
)

// contract409Examples returns the message of every example the contract
// gives for a 409 answer, by example name.
func contract409Examples(t *testing.T) map[string]string {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			resp := op.Responses.Status(409)
			if resp == nil || resp.Value == nil {
				continue
			}
			for _, media := range resp.Value.Content {
				for name, ex := range media.Examples {
					v, _ := ex.Value.Value.(map[string]any)
					msg, ok := v["message"].(string)
					if !ok {
						t.Fatalf("%s %s: 409 example %s has no message", method, path, name)
					}
					out[name] = msg
				}
			}
		}
	}
	return out
}

// Every text read from a message is checked against the contract's
// examples: each marker appears in every example of its kind and in no
// other, and the error built from each example matches the sentinels it
// should. A reworded example fails here.
func TestMessageMarkersMatchContractExamples(t *testing.T) {
	examples := contract409Examples(t)
	for m, marker := range messageMarkers {
		t.Run(fmt.Sprintf("%d:%s", m, marker.text), func(t *testing.T) {
			shown := 0
			for _, name := range slices.Sorted(maps.Keys(examples)) {
				msg := examples[name]
				want := strings.HasPrefix(name, marker.examples)
				if got := says(msg, messageMarker(m)); got != want {
					t.Errorf("example %s: says(%q) = %v, want %v: %q", name, marker.text, got, want, msg)
				}
				if want {
					shown++
				}
			}
			if shown == 0 {
				t.Errorf("no 409 example in openapi/loops.yaml is named %s*: nothing checks %q", marker.examples, marker.text)
			}
		})
	}
	for _, name := range slices.Sorted(maps.Keys(examples)) {
		t.Run(name, func(t *testing.T) {
			e := &APIError{StatusCode: 409, Message: examples[name]}
			stale := strings.HasPrefix(name, messageMarkers[markerStaleRevision].examples)
			confirm := strings.HasPrefix(name, messageMarkers[markerConfirmDelete].examples)
			if errors.Is(e, ErrRevisionConflict) != stale || errors.Is(e, ErrConfirmationRequired) != confirm {
				t.Errorf("%q: ErrRevisionConflict %v, ErrConfirmationRequired %v; want %v, %v",
					e.Message, errors.Is(e, ErrRevisionConflict), errors.Is(e, ErrConfirmationRequired), stale, confirm)
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

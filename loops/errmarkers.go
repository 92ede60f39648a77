package loops

import "strings"

// Loops tells some answers apart only by their message text: a 409 for a
// stale revision and a 409 asking to confirm a delete carry no code field,
// and the current revision is named only inside the message. Every text
// this package reads in a message is in messageMarkers, and
// errmarkers_test.go checks each against the examples of those answers in
// openapi/loops.yaml: a message Loops rewords (and the contract records)
// fails a test instead of silently changing what errors.Is reports.
type messageMarker int

const (
	// markerStaleRevision: "workflowRevisionId mismatch. Latest ...".
	markerStaleRevision messageMarker = iota
	// markerLatestRevision precedes the current revision:
	// "Latest workflowRevisionId is <id>. Refetch and retry."
	markerLatestRevision
	// markerConfirmDelete: "... Confirm deletion by sending a second
	// request with confirmDelete: true."
	markerConfirmDelete
)

// messageMarkers holds, for each marker, the text looked for and the
// prefix of the names of the contract's examples that show it.
var messageMarkers = [...]struct{ text, examples string }{
	markerStaleRevision:  {"RevisionId mismatch", "staleRevision"},
	markerLatestRevision: {"RevisionId is ", "staleRevision"},
	markerConfirmDelete:  {"confirmDelete: true", "confirmationRequired"},
}

// says reports whether a message carries a marker's text.
func says(message string, m messageMarker) bool {
	return strings.Contains(message, messageMarkers[m].text)
}

// after returns the text that follows a marker, and whether it was found.
func after(message string, m messageMarker) (string, bool) {
	_, rest, ok := strings.Cut(message, messageMarkers[m].text)
	return rest, ok
}

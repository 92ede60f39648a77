package loops

import "strings"

// Loops tells some answers apart only by their message text: a 409 for a
// stale revision, a 409 asking to confirm a delete and a 400 for an
// identifier that names several contacts carry no code field,
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
	// markerMultipleContacts: the 400 "Multiple contacts found for the
	// given criteria" (the email and the userId name different contacts).
	markerMultipleContacts
)

// messageMarkers holds, for each marker, the text looked for and the
// prefix of the names of the contract's examples that show it.
var messageMarkers = [...]struct{ text, examples string }{
	markerStaleRevision:    {"RevisionId mismatch", "staleRevision"},
	markerLatestRevision:   {"RevisionId is ", "staleRevision"},
	markerConfirmDelete:    {"confirmDelete: true", "confirmationRequired"},
	markerMultipleContacts: {"Multiple contacts found", "multipleContacts"},
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

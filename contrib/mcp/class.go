package loopsmcp

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Class is an operation's safety class, which decides what the server
// lets an agent do with it and how its tool is annotated.
type Class int

// The safety classes, from harmless to irreversible.
const (
	// Read operations change nothing. They are always allowed.
	Read Class = iota
	// Write operations create or change resources (contacts, campaigns,
	// workflows). They need Policy.AllowWrites.
	Write
	// Send operations make mail or messages leave: events (which can start
	// workflows), transactional email, previews and feedback. They need
	// Policy.AllowSends and always carry an idempotency key.
	Send
	// Destructive operations delete, or undo a protection (suppression
	// removal). They need Policy.AllowDestructive and "confirm": true.
	Destructive
)

var classNames = [...]string{Read: "read", Write: "write", Send: "send", Destructive: "destructive"}

// String returns the class's name: read, write, send or destructive.
func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return classNames[c]
}

// MarshalJSON writes the class's name.
func (c Class) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

func parseClass(name string) (Class, error) {
	for c, n := range classNames {
		if strings.EqualFold(n, name) {
			return Class(c), nil
		}
	}
	return 0, fmt.Errorf("unknown safety class %q (want read, write, send or destructive)", name)
}

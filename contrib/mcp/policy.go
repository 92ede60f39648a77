package loopsmcp

// Policy is what the operator allows agents to do, set once at start-up.
// The zero Policy is read-only.
type Policy struct {
	// AllowWrites enables write operations (flag -allow-writes).
	AllowWrites bool
	// AllowSends enables send operations (flag -allow-sends).
	AllowSends bool
	// AllowDestructive enables destructive operations (flag
	// -allow-destructive); each call still needs "confirm": true.
	AllowDestructive bool
	// RequireTeam makes every operation but reads name the API key's team
	// exactly in "team" (flag -require-team), so that an agent cannot
	// change a team it does not know it is on.
	RequireTeam bool
}

// Flags name the start-up flag of each class that needs one.
var classFlags = map[Class]string{Write: "-allow-writes", Send: "-allow-sends", Destructive: "-allow-destructive"}

// allows reports whether operations of class c may run.
func (p Policy) allows(c Class) bool {
	switch c {
	case Read:
		return true
	case Write:
		return p.AllowWrites
	case Send:
		return p.AllowSends
	case Destructive:
		return p.AllowDestructive
	}
	return false
}

// flagFor returns the flag class c needs, or "" when it is allowed.
func (p Policy) flagFor(c Class) string {
	if p.allows(c) {
		return ""
	}
	return classFlags[c]
}

// enabled lists the classes allowed, for the instructions.
func (p Policy) enabled() []Class {
	var out []Class
	for _, c := range []Class{Read, Write, Send, Destructive} {
		if p.allows(c) {
			out = append(out, c)
		}
	}
	return out
}

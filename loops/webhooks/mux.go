package webhooks

import "context"

// Mux passes each event to the function registered for its type, with
// the event's own type: register them with the On methods, such as
// OnContactCreated, then give Handle to NewHandler. An event with no
// function goes to the one set by OnOther, or is acknowledged and dropped.
// The zero Mux is ready to use. Register functions before serving; Handle
// is then safe for concurrent use.
type Mux struct {
	fns   map[string]func(context.Context, Event) error
	other func(context.Context, Event) error
}

// OnOther makes the mux pass every event with no function of its own to
// fn, including *Unknown events.
func (m *Mux) OnOther(fn func(context.Context, Event) error) { m.other = fn }

// Handle passes ev to the function registered for it and returns that
// function's error, or nil when none is registered.
func (m *Mux) Handle(ctx context.Context, ev Event) error {
	if fn := m.fns[ev.Name()]; fn != nil {
		return fn(ctx, ev)
	}
	if m.other != nil {
		return m.other(ctx, ev)
	}
	return nil
}

// on registers fn for the events named name, whose type is E.
func on[E Event](m *Mux, name string, fn func(context.Context, E) error) {
	if m.fns == nil {
		m.fns = map[string]func(context.Context, Event) error{}
	}
	m.fns[name] = func(ctx context.Context, ev Event) error {
		if e, ok := ev.(E); ok {
			return fn(ctx, e)
		}
		if m.other != nil {
			return m.other(ctx, ev) // an *Unknown built by hand with a known name
		}
		return nil
	}
}

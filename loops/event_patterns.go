package loops

import (
	"context"
	"iter"
)

// EventPatternsService lists the events workflows can be triggered by:
// /v1/event-patterns.
type EventPatternsService service

// List returns one page of event patterns.
func (s *EventPatternsService) List(ctx context.Context, lo *ListOptions, opts ...CallOption) (*EventPatternList, error) {
	return s.client.listEventPatterns(ctx, "EventPatterns.List", opts, lo)
}

// ListIter ranges over every event pattern; opts apply to every page.
func (s *EventPatternsService) ListIter(ctx context.Context, lo *ListOptions, opts ...CallOption) iter.Seq2[EventPatternSummary, error] {
	return paginate[EventPatternSummary](ctx, lo, opts, s.List)
}

// Get returns one event pattern, with its properties.
func (s *EventPatternsService) Get(ctx context.Context, eventPatternID string, opts ...CallOption) (*EventPattern, error) {
	return s.client.getEventPattern(ctx, "EventPatterns.Get", opts, eventPatternID)
}

// GetByName returns the event pattern of an event name. The name is sent
// as one escaped path segment, so it may hold spaces, "/", "+", "%" or any
// Unicode.
func (s *EventPatternsService) GetByName(ctx context.Context, eventName string, opts ...CallOption) (*EventPattern, error) {
	return s.client.getEventPatternByName(ctx, "EventPatterns.GetByName", opts, eventName)
}

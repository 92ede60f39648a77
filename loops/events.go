package loops

import "context"

// EventsService sends events: /v1/events/send.
type EventsService service

// Send records an event for the contact matching Email or UserID (at least
// one), which can trigger workflows. EventProperties belong to this event;
// AdditionalProperties update the contact.
//
// Every send carries an Idempotency-Key (generated unless you pass
// [WithIdempotencyKey]), so Send is retried safely: Loops processes a key
// once. If a retry finds that an earlier attempt already landed, Send
// reports success and [ResponseInfo].Deduplicated is true.
func (s *EventsService) Send(ctx context.Context, req *EventRequest, opts ...CallOption) error {
	const op = "Events.Send"
	if req != nil {
		if err := firstError(
			checkEitherIdentifier(op, req.Email, req.UserID),
			checkEventProperties(op, req.EventProperties),
			checkCustomProperties(op, req.AdditionalProperties, eventFields),
		); err != nil {
			return err
		}
	}
	return s.client.sendEvent(ctx, op, opts, req)
}

// Package webhooks receives the events Loops sends to your webhook
// endpoint: it verifies their signatures, decodes them into typed events
// and serves them as an http.Handler.
//
// Loops signs every delivery with the Standard Webhooks scheme: an
// HMAC-SHA256 of "webhook-id.webhook-timestamp.body", keyed with the
// base64 part of the "whsec_..." secret of your webhook settings, sent as
// "v1,<base64>" in the webhook-signature header. A Verifier checks that
// signature on the raw body, in constant time, and refuses a timestamp
// more than five minutes away from now (WithTolerance changes that), so a
// captured delivery cannot be replayed later. It can hold several secrets
// while you rotate them (WithSecrets).
//
// Parse decodes a payload into one of 17 event types, one per eventName,
// such as *ContactCreated or *EmailOpened; their fields are the models of
// package gen. Decoding is lenient where Loops may grow: unknown fields are
// ignored, custom contact properties are kept, and an eventName this
// version does not know gives an *Unknown event with the raw JSON.
//
// NewHandler puts it together: a size cap and a time bound on the body,
// verification, decoding, a replay guard keyed by webhook-id (so a
// redelivered message reaches your function once, and a redelivery that
// arrives while the first run is still going is asked to come back
// later), status codes that make Loops redeliver when your function
// fails, and logging through log/slog that never
// includes a secret or the body. A Mux passes each type of event to its
// own function:
//
//	var mux webhooks.Mux
//	mux.OnContactCreated(func(ctx context.Context, ev *webhooks.ContactCreated) error {
//		return welcome(ctx, ev.Contact.Email)
//	})
//	h, err := webhooks.NewHandler(os.Getenv("LOOPS_WEBHOOK_SECRET"), mux.Handle)
//
// To test a handler without a Loops account, loopstest.Server.DeliverWebhook
// signs and posts events to it.
package webhooks

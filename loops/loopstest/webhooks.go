package loopstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/loopsdev/loops-go/loops/webhooks"
)

// DefaultWebhookSecret is the secret the server signs webhook deliveries
// with; give it to the webhooks.Handler under test.
const DefaultWebhookSecret = "whsec_bG9vcHN0ZXN0IHdlYmhvb2sgc2lnbmluZyBrZXk="

// DefaultWebhookTimeout bounds each webhook POST the server makes (see
// WithWebhookTimeout).
const DefaultWebhookTimeout = 10 * time.Second

// WithWebhookEndpoint makes every request that creates a contact deliver a
// contact.created event to url, as DeliverWebhook does, before it is
// answered. Delivery failures are left to the handler's own test. Each
// delivery is bounded by the webhook timeout and ends when the server is
// closed, so an endpoint that hangs delays that request by the timeout at
// most and never holds Close.
func WithWebhookEndpoint(url string) Option {
	return func(c *config) { c.webhookURL = url }
}

// WithWebhookTimeout bounds each webhook POST the server makes, headers
// and body of the answer included (DefaultWebhookTimeout without it).
// Values of zero or less are ignored.
func WithWebhookTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.webhookWait = d
		}
	}
}

// WebhookOption changes one DeliverWebhook call.
type WebhookOption func(*delivery)

type delivery struct {
	times  int
	secret string
}

// WebhookReplayed makes one DeliverWebhook call POST its message twice in
// a row: the second POST repeats the first exactly (the same webhook-id,
// timestamp, signature and body), as Loops' redelivery or a replaying
// attacker would send it. The call then returns two statuses, the first
// POST's and the repeat's: for a webhooks.Handler, [204 200], since it
// answers a message it has already handled with 200 and does not run your
// function again.
func WebhookReplayed() WebhookOption { return func(d *delivery) { d.times = 2 } }

// WebhookWrongSignature signs the message with another secret.
func WebhookWrongSignature() WebhookOption {
	return func(d *delivery) { d.secret = "whsec_d3Jvbmcgc2VjcmV0" }
}

// DeliverWebhook POSTs event to url as Loops does: as JSON, completed with
// its eventName, an eventTime and schema version when left zero, and null
// for unset required fields, checked against the contract, and signed
// with DefaultWebhookSecret at the server's clock. It returns the status
// of each POST, in order: one, or two with WebhookReplayed. Each POST ends
// with ctx, after the webhook timeout (WithWebhookTimeout) or when the
// server is closed, whichever is first.
func (s *Server) DeliverWebhook(ctx context.Context, url string, event webhooks.Event, opts ...WebhookOption) ([]int, error) {
	d := delivery{times: 1, secret: DefaultWebhookSecret}
	for _, opt := range opts {
		opt(&d)
	}
	body, err := s.webhookBody(event)
	if err != nil {
		return nil, err
	}
	id, now := "msg_"+newID(), s.now()
	sig, err := webhooks.Sign(d.secret, id, now, body)
	if err != nil {
		return nil, err
	}
	var statuses []int
	for range d.times {
		status, err := s.postWebhook(ctx, url, body, http.Header{"Content-Type": {"application/json"}, "Webhook-Id": {id},
			"Webhook-Timestamp": {fmt.Sprint(now.Unix())}, "Webhook-Signature": {sig}})
		if err != nil {
			return statuses, err
		}
		statuses = append(statuses, status)
	}
	return statuses, nil
}

// postWebhook makes one delivery, bounded by the webhook timeout and by
// the server's life: Close must never wait on an endpoint that hangs.
func (s *Server) postWebhook(ctx context.Context, url string, body []byte, header http.Header) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.webhookWait)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = header
	resp, err := s.webhookClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// webhookBody encodes a delivery's payload; an event the contract does
// not know is sent as it is.
func (s *Server) webhookBody(ev webhooks.Event) ([]byte, error) {
	m, ok := asJSON(ev).(map[string]any)
	schema := s.contract.webhookSchema(ev.Name())
	if !ok || schema == nil {
		return json.Marshal(ev)
	}
	m["eventName"] = ev.Name()
	if m["eventTime"] == 0.0 {
		m["eventTime"] = float64(s.now().Unix())
	}
	if m["webhookSchemaVersion"] == "" {
		m["webhookSchemaVersion"] = "1.0.0"
	}
	complete(m, schema, s.now())
	if err := schema.VisitJSON(m, openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails()); err != nil {
		s.violation("loopstest: contract violation: webhook %s: %s", ev.Name(), describe(err))
	}
	return json.Marshal(m)
}

// webhookSchema finds the payload schema whose eventName is name.
func (c *contract) webhookSchema(name string) *openapi3.Schema {
	for _, ref := range c.doc.Components.Schemas {
		if p := ref.Value.Properties["eventName"]; p != nil && len(p.Value.Enum) == 1 && p.Value.Enum[0] == name {
			return ref.Value
		}
	}
	return nil
}

// deliverCreated sends contact.created for the contacts the request
// created (see WithWebhookEndpoint).
func (s *Server) deliverCreated(ctx context.Context) {
	s.mu.Lock()
	var events []webhooks.Event
	for _, ct := range s.created {
		ev := &webhooks.ContactCreated{}
		ev.ContactIdentity, ev.Contact = as[webhooks.ContactIdentity](ct), as[webhooks.Contact](ct)
		ev.Contact.OptInStatus = new(webhooks.ContactOptInStatusAccepted)
		events = append(events, ev)
	}
	s.created = nil
	s.mu.Unlock()
	for _, ev := range events {
		// Not cut short when the client goes away (a delivery Loops
		// started is made), but bounded: see postWebhook.
		_, _ = s.DeliverWebhook(context.WithoutCancel(ctx), s.cfg.webhookURL, ev)
	}
}

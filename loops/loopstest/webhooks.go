package loopstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/loopsdev/loops-go/loops/webhooks"
)

// DefaultWebhookSecret is the secret the server signs webhook deliveries
// with; give it to the webhooks.Handler under test.
const DefaultWebhookSecret = "whsec_bG9vcHN0ZXN0IHdlYmhvb2sgc2lnbmluZyBrZXk="

// WithWebhookEndpoint makes every request that creates a contact deliver a
// contact.created event to url, as DeliverWebhook does, before it is
// answered. Delivery failures are left to the handler's own test.
func WithWebhookEndpoint(url string) Option {
	return func(c *config) { c.webhookURL = url }
}

// WebhookOption changes one DeliverWebhook call.
type WebhookOption func(*delivery)

type delivery struct {
	times  int
	secret string
}

// WebhookReplayed delivers the message a second time, with the same
// webhook-id, timestamp and signature, as a replaying attacker or a
// redelivery would.
func WebhookReplayed() WebhookOption { return func(d *delivery) { d.times = 2 } }

// WebhookWrongSignature signs the message with another secret.
func WebhookWrongSignature() WebhookOption {
	return func(d *delivery) { d.secret = "whsec_d3Jvbmcgc2VjcmV0" }
}

// DeliverWebhook POSTs event to url as Loops does: as JSON, completed with
// its eventName, an eventTime and schema version when left zero, and null
// for unset required fields, checked against the contract, and signed
// with DefaultWebhookSecret at the server's clock. It returns the status
// of each POST.
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
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return statuses, err
		}
		req.Header = http.Header{"Content-Type": {"application/json"}, "Webhook-Id": {id},
			"Webhook-Timestamp": {fmt.Sprint(now.Unix())}, "Webhook-Signature": {sig}}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return statuses, err
		}
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	return statuses, nil
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
		_, _ = s.DeliverWebhook(context.WithoutCancel(ctx), s.cfg.webhookURL, ev)
	}
}

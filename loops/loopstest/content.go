package loopstest

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// The content API's resources and their rules. Everything they share
// (ids, timestamps, revisions, partial updates, pagination, 404s, reports)
// is the generic store's (store.go); what follows is only what makes each
// one special. Fields whose names start with "_" are the fake's own: no
// answer schema has them, so they never reach a client.

var (
	campaignGroups      = register(&kind{path: "/v1/campaign-groups", noun: "Campaign group", create: reservedName, update: renameGroup})
	transactionalGroups = register(&kind{path: "/v1/transactional-groups", noun: "Transactional group", create: reservedName, update: renameGroup})
	segments            = register(&kind{path: "/v1/audience-segments", noun: "Audience segment"})
	messages            = register(&kind{path: "/v1/email-messages", noun: "Email message", revision: "contentRevisionId"})
	campaigns           = register(&kind{path: "/v1/campaigns", noun: "Campaign", app: "campaigns", create: createCampaign, update: updateCampaign, report: campaignSent})
	transactionals      = register(&kind{path: "/v1/transactional-emails", noun: "Transactional email", app: "transactional", create: createTransactional, view: (*Server).withDraftRevision})
)

// editMessage refers to campaigns, whose rules refer to messages: Go
// refuses that initialization cycle, so this rule is attached once both
// exist.
func init() { messages.update = editMessage }

// maxLMX is the size Loops accepts for an email message's or component's
// LMX; larger is 413.
const maxLMX = 100 << 10

// PreviewLimit is how many previews a server sends per day, as Loops
// limits them; the next one answers 429.
const PreviewLimit = 100

func reservedName(_ *Server, c *call, obj object) *response {
	if name, _ := obj["name"].(string); strings.EqualFold(strings.TrimSpace(name), "Unsorted") {
		return failure(http.StatusBadRequest, `The group name "Unsorted" is reserved.`)
	}
	return nil
}

func renameGroup(s *Server, c *call, _, patch object) *response { return reservedName(s, c, patch) }

// newMessage stores an empty email message owned by a campaign or a
// transactional email (owner is "campaignId" or "transactionalId").
func (s *Server) newMessage(owner, ownerID string, now time.Time) object {
	msg := s.newObject(messages, object{owner: ownerID, "emailFormat": "styled", "lmx": ""}, now)
	s.put(messages, msg)
	return msg
}

func createCampaign(s *Server, c *call, obj object) *response {
	if bad := s.checkAudience(obj); bad != nil {
		return bad
	}
	if bad := schedule(obj, obj, c.now); bad != nil {
		return bad
	}
	obj["status"] = "Draft" // scheduling takes effect once the message is ready: on update
	msg := s.newMessage("campaignId", obj["id"].(string), c.now)
	obj["emailMessageId"], obj["emailMessageContentRevisionId"] = msg["id"], msg["contentRevisionId"]
	return nil
}

// updateCampaign freezes a sent campaign but for its name and group, and
// lets a segment or a filter sent alone clear the other.
func updateCampaign(s *Server, c *call, obj, patch object) *response {
	if status := obj["status"]; status == "Sending" || status == "Sent" {
		for key := range patch {
			if key != "name" && key != "campaignGroupId" {
				return failure(http.StatusConflict, "Campaign has been sent: only its name and group can change.")
			}
		}
	}
	_, seg := patch["audienceSegmentId"]
	_, filter := patch["audienceFilter"]
	switch {
	case seg && !filter:
		patch["audienceFilter"] = nil
	case filter && !seg:
		patch["audienceSegmentId"] = nil
	}
	if bad := s.checkAudience(patch); bad != nil {
		return bad
	}
	return schedule(obj, patch, c.now)
}

// schedule applies a scheduling request: "now" sends the campaign at once
// (the fake's sending is instant), "schedule" needs a future time.
func schedule(obj, patch object, now time.Time) *response {
	req, ok := patch["scheduling"].(map[string]any)
	if !ok {
		return nil
	}
	at, _ := req["timestamp"].(string)
	patch["scheduling"] = object{"method": req["method"], "timestamp": nil}
	if req["method"] != "schedule" {
		obj["status"] = "Sent"
		return nil
	}
	when, err := time.Parse(time.RFC3339, at)
	if err != nil || !when.After(now) {
		return failure(http.StatusBadRequest, "The scheduled time must be in the future.")
	}
	patch["scheduling"].(object)["timestamp"] = at
	obj["status"] = "Scheduled"
	return nil
}

// checkAudience answers 404 for a mailing list or segment the team lacks.
func (s *Server) checkAudience(fields object) *response {
	if id, ok := fields["mailingListId"].(string); ok && !s.listExists(id) {
		return failure(http.StatusNotFound, "Mailing list not found")
	}
	if id, ok := fields["audienceSegmentId"].(string); ok {
		if _, bad := s.object(segments, id); bad != nil {
			return bad
		}
	}
	return nil
}

func campaignSent(obj object) *response {
	if obj["status"] != "Sent" {
		return failure(http.StatusBadRequest, "Metrics are available once the campaign has been sent.")
	}
	return nil
}

// editMessage refuses edits Loops refuses: a message of a campaign no
// longer in draft, an MJML message, LMX over 100 KB or that does not
// compile (for the fake: that is not well-formed markup).
func editMessage(s *Server, _ *call, obj, patch object) *response {
	if id, ok := obj["campaignId"].(string); ok {
		if cmp, _ := s.object(campaigns, id); cmp != nil && cmp["status"] != "Draft" {
			return failure(http.StatusConflict, "Campaign is not in draft status.")
		}
		// Loops' docs say campaign emails do not support CC or BCC; the
		// status is not documented, so the fake answers a plain 400.
		if patch["ccEmail"] != nil || patch["bccEmail"] != nil {
			return failure(http.StatusBadRequest, "CC and BCC are not supported for campaign emails.")
		}
	}
	if obj["_mjml"] == true {
		return failure(http.StatusConflict, "MJML email messages cannot be edited through the API.")
	}
	lmx, _ := patch["lmx"].(string)
	return checkLMX(lmx)
}

// checkLMX refuses LMX over 100 KB (413) and LMX that does not compile
// (422).
func checkLMX(lmx string) *response {
	if len(lmx) > maxLMX {
		return failure(http.StatusRequestEntityTooLarge, "LMX is larger than 100 KB.")
	}
	if err := wellFormed(lmx); err != nil {
		return failure(http.StatusUnprocessableEntity, "LMX could not be compiled: "+err.Error())
	}
	return nil
}

// wellFormed checks that LMX is balanced markup.
func wellFormed(lmx string) error {
	d := xml.NewDecoder(strings.NewReader("<lmx>" + lmx + "</lmx>"))
	d.Strict, d.AutoClose, d.Entity = true, nil, xml.HTMLEntity
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func createTransactional(s *Server, c *call, obj object) *response {
	if id, ok := obj["transactionalGroupId"].(string); ok {
		if _, bad := s.object(transactionalGroups, id); bad != nil {
			return bad
		}
	}
	msg := s.newMessage("transactionalId", obj["id"].(string), c.now)
	obj["draftEmailMessageId"], obj["dataVariables"] = msg["id"], []any{}
	return nil
}

// ensureDraft makes sure a transactional email has a draft, seeded from the
// published message when there is one.
func ensureDraft(s *Server, c *call, obj object) *response {
	if obj["draftEmailMessageId"] == nil {
		draft := s.newMessage("transactionalId", obj["id"].(string), c.now)
		if pub, _ := s.object(messages, str(obj["publishedEmailMessageId"])); pub != nil {
			for _, key := range []string{"subject", "previewText", "fromName", "fromEmail", "replyToEmail", "lmx", "emailFormat"} {
				draft[key] = pub[key]
			}
		}
		obj["draftEmailMessageId"] = draft["id"]
		s.touch(transactionals, obj, c.now)
	}
	return s.answer(c.rt, s.view(transactionals, obj))
}

// withDraftRevision is obj with the draft message's current revision, as
// the draft answers carry it.
func (s *Server) withDraftRevision(obj object) object {
	out := cloneMap(obj)
	if msg, _ := s.object(messages, str(obj["draftEmailMessageId"])); msg != nil {
		out["draftEmailMessageContentRevisionId"] = msg["contentRevisionId"]
	}
	return out
}

// publish makes the draft the published message; the email can then be
// sent with POST /v1/transactional.
func publish(s *Server, c *call, obj object) *response {
	draft, _ := s.object(messages, str(obj["draftEmailMessageId"]))
	switch {
	case draft == nil:
		return failure(http.StatusConflict, "There is no draft to publish.")
	case strings.TrimSpace(str(draft["subject"])) == "":
		return failure(http.StatusUnprocessableEntity, "The email needs a subject before it can be published.")
	}
	obj["publishedEmailMessageId"], obj["draftEmailMessageId"] = draft["id"], nil
	s.touch(transactionals, obj, c.now)
	return s.answer(c.rt, obj)
}

// preview answers a test send: each kind of message takes its own
// variables, and a team gets PreviewLimit previews a day.
func preview(s *Server, c *call, msg object) *response {
	allowed := map[string]bool{"emails": true, "dataVariables": msg["transactionalId"] != nil, "contactProperties": msg["transactionalId"] == nil,
		"eventProperties": msg["_workflowId"] != nil}
	for key := range c.obj {
		if !allowed[key] {
			return failure(http.StatusBadRequest, key+" cannot be used to preview this email message.")
		}
	}
	day := c.now.UTC().Format(time.DateOnly)
	if s.previews[day] >= PreviewLimit {
		return failure(http.StatusTooManyRequests, "Daily preview limit reached.")
	}
	s.previews[day]++
	return s.answer(c.rt, object{"id": msg["id"]})
}

// publishedTemplate finds a transactional email published through the
// content API, for sending. The caller holds s.mu.
func (s *Server) publishedTemplate(id string) (TransactionalEmail, bool) {
	obj, _ := s.object(transactionals, id)
	if obj == nil || obj["publishedEmailMessageId"] == nil {
		return TransactionalEmail{}, false
	}
	return TransactionalEmail{ID: id, Name: str(obj["name"]), DataVariables: as[[]string](obj["dataVariables"])}, true
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Seed stores a content resource as if the API had created it, and returns
// its id. collection is its path, such as "/v1/campaigns" or
// "/v1/email-messages"; v is anything that encodes to the resource's JSON,
// such as a loops.Campaign or a map. A given id is kept; otherwise one is
// made, with the timestamps and revision (a revision given as null stays
// null, as for an old workflow). Seed panics on a collection the server
// does not store.
func (s *Server) Seed(collection string, v any) string {
	k := kinds[collection]
	if k == nil {
		panic("loopstest: Seed: no collection " + collection)
	}
	fields, _ := asJSON(v).(map[string]any)
	s.mu.Lock()
	defer s.mu.Unlock()
	obj := s.newObject(k, fields, s.now())
	if id, ok := fields["id"].(string); ok && id != "" {
		obj["id"] = id
	}
	if rev, ok := fields[k.revision]; ok && rev == nil {
		obj[k.revision] = nil
	}
	s.put(k, obj)
	return obj["id"].(string)
}

// SetReport sets what a report of a resource answers, such as its metrics
// ("/v1/campaigns/{id}/metrics") or Guardian checks
// ("/v1/email-messages/{id}/guardian"); reports are all zeros and empty
// lists until set. v is anything that encodes to the report's JSON.
func (s *Server) SetReport(path string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports[path] = asJSON(v)
}

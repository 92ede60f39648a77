package loopstest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/loopsdev/loops-go/loops"
)

// Workflows are a kind of the generic store (list, create, get, update,
// revisions) whose nodes map is a graph: each node lists the nodes it leads
// to in nextNodeIds, and every change keeps those edges on nodes that
// exist. A new branch or experiment gets Loops' default paths, the first
// leading on to the node it was inserted before. Contacts queued at nodes
// (QueueContacts) stay there until a change drops them.
var workflows = register(&kind{path: "/v1/workflows", noun: "Workflow", app: "workflows", revision: "workflowRevisionId", create: createWorkflow})

// maxNodes is the most nodes a workflow holds: the client's number, so
// that the fake and the client's local check cannot disagree.
const maxNodes = loops.MaxWorkflowNodes

var pathKinds = map[string]string{"BranchNode": "AudienceFilter", "ExperimentBranchNode": "VariantNode"}

// tooManyNodes is the node cap's answer. It is built for each request:
// the rate-limit headers are written into an answer, so parallel requests
// must not share one.
func tooManyNodes() *response {
	return failure(http.StatusBadRequest, fmt.Sprintf("A workflow can have at most %d nodes.", maxNodes))
}

func createWorkflow(s *Server, c *call, wf object) *response {
	wf["status"], wf["nodes"], wf["_queued"] = "Draft", object{}, map[string]int{}
	wf["rootNodeId"] = s.addNode(wf, "BlankTrigger", s.addNode(wf, "ExitAction")["id"])["id"]
	return s.checkAudience(wf)
}

// addNode stores a new node of type typ in wf (a send-email node with its
// email message), leading to next.
func (s *Server) addNode(wf object, typ string, next ...any) object {
	s.seq++
	n := object{"id": fmt.Sprintf("ltnod%06d", s.seq), "workflowId": wf["id"], "typeName": typ, "nextNodeIds": append([]any{}, next...)}
	if typ == "SendEmailAction" {
		n["emailMessageId"] = s.newMessage("_workflowId", wf["id"].(string), s.now())["id"]
	}
	nodes(wf)[n["id"].(string)] = n
	return n
}

// addPath adds a path under a branch or experiment node.
func (s *Server) addPath(wf, branch object, control bool) object {
	kid := s.addNode(wf, pathKinds[str(branch["typeName"])])
	if kid["typeName"] == "VariantNode" {
		kid["isControl"] = control
	}
	branch["nextNodeIds"] = append(slices.Clone(next(branch)), kid["id"])
	return kid
}

func nodes(wf object) object             { return wf["nodes"].(map[string]any) }
func nodeOf(wf object, id string) object { n, _ := nodes(wf)[id].(map[string]any); return n }
func next(n object) []any                { ids, _ := n["nextNodeIds"].([]any); return ids }
func isTrigger(n object) bool            { return strings.HasSuffix(str(n["typeName"]), "Trigger") }

// parents lists the nodes of wf that lead to id.
func parents(wf object, id any) (out []object) {
	for _, n := range nodes(wf) {
		if slices.Contains(next(n.(map[string]any)), id) {
			out = append(out, n.(map[string]any))
		}
	}
	return out
}

// relink makes the edges of ns to old lead to the nodes with instead.
func relink(ns []object, old any, with ...any) {
	for _, n := range ns {
		i := slices.Index(next(n), old)
		n["nextNodeIds"] = append(append(append([]any{}, next(n)[:i]...), with...), next(n)[i+1:]...)
	}
}

// reachable lists id and every node below it.
func reachable(wf object, id string) []string {
	out := []string{id}
	for i := 0; i < len(out); i++ {
		for _, n := range next(nodeOf(wf, out[i])) {
			if !slices.Contains(out, n.(string)) {
				out = append(out, n.(string))
			}
		}
	}
	return out
}

// queuedAt counts the contacts queued in wf (by node, in "_queued") at ids,
// or at every node for nil.
func queuedAt(wf object, ids []string) (n int) {
	q, _ := wf["_queued"].(map[string]int)
	for id, count := range q {
		if ids == nil || slices.Contains(ids, id) {
			n += count
		}
	}
	return n
}

// outcome is the status of a change that queued contacts can stop.
func outcome(body object, queued int, done string) string {
	switch {
	case body["dryRun"] == true:
		return "dryRun"
	case queued > 0 && body["queuedContactPolicy"] != "discard":
		return "queuedContactsFound"
	}
	return done
}

// graphOp runs a workflow handler with s.mu held, once the workflow, the
// body and the node the path names are found and the revision checked.
func graphOp(h func(s *Server, c *call, wf, body, node object) *response) func(*Server, *call) *response {
	return func(s *Server, c *call) *response {
		wf, bad := s.named(workflows, c)
		body, node := c.obj, object(nil)
		if bad == nil {
			bad = stale(workflows, wf, body)
		}
		if id, ok := c.rt.params["nodeId"]; ok && bad == nil {
			if node = nodeOf(wf, id); node == nil {
				bad = failure(http.StatusNotFound, "Workflow node not found")
			} else {
				node["id"] = id // seeded nodes may lack it
			}
		}
		if bad != nil {
			return bad
		}
		return h(s, c, wf, body, node)
	}
}

// changed stamps a new revision on wf and answers v with it (in v's node
// when v has one) and with the workflow.
func (s *Server) changed(c *call, wf, v object) *response {
	s.touch(workflows, wf, c.now)
	rev := v
	if n, ok := v["node"].(map[string]any); ok {
		rev = n
	}
	rev["workflowRevisionId"], v["workflow"] = wf["workflowRevisionId"], wf
	return s.answer(c.rt, v)
}

func createNode(s *Server, c *call, wf, body, _ object) *response {
	typ, mode := str(body["nodeTypeName"]), str(body["insertMode"])
	from, to := nodeOf(wf, str(body["fromNodeId"])), nodeOf(wf, cmp.Or(str(body["toNodeId"]), str(body["beforeNodeId"])))
	if mode == "after" && from != nil && len(next(from)) == 1 && from["typeName"] != "ExitAction" {
		to = nodeOf(wf, next(from)[0].(string))
	}
	paths := map[string]int{"BranchNode": 2, "ExperimentBranchNode": 3}[typ]
	switch {
	case len(nodes(wf))+1+paths > maxNodes:
		return tooManyNodes()
	case to == nil || (mode != "before" && (from == nil || !slices.Contains(next(from), to["id"]))):
		return failure(http.StatusBadRequest, "The insert position is not a connection of this workflow (after needs a node with exactly one next node).")
	case mode != "before" && from["typeName"] == "ExperimentBranchNode" && (typ != "VariantNode" || to["typeName"] == "VariantNode"):
		return failure(http.StatusBadRequest, "Only a VariantNode goes under an experiment, and not before another VariantNode.")
	case mode == "before" && (isTrigger(to) || typ == "VariantNode" || len(parents(wf, to["id"])) == 0):
		return failure(http.StatusBadRequest, "toNodeId must have a parent and not be a trigger; a VariantNode cannot go before a node.")
	}
	n, kids, before := s.addNode(wf, typ), []any{}, parents(wf, to["id"])
	if mode != "before" {
		before = []object{from}
	}
	relink(before, to["id"], n["id"])
	for i := range paths {
		kids = append(kids, s.addPath(wf, n, i == 2))
	}
	onward := append(kids, n)[0].(map[string]any) // the first path, or the node itself
	onward["nextNodeIds"] = []any{to["id"]}
	node := cloneMap(n)
	node["createdChildNodes"] = kids
	return s.changed(c, wf, object{"node": node})
}

func getNode(s *Server, c *call, wf, _, n object) *response {
	node := cloneMap(n)
	node["workflowRevisionId"] = wf["workflowRevisionId"]
	return s.answer(c.rt, node)
}

func updateNode(s *Server, c *call, wf, body, n object) *response {
	payload, _ := body["payload"].(map[string]any)
	typ := cmp.Or(str(payload["typeName"]), str(n["typeName"]))
	switch {
	case payload["typeName"] != nil && (!isTrigger(n) || !strings.HasSuffix(typ, "Trigger")):
		return failure(http.StatusBadRequest, "Only a trigger can change its type, and only to another trigger.")
	}
	// What a type takes is its update schema in the contract: TimerActionNode's is TimerActionNodeUpdate.
	update := shared.doc.Components.Schemas[strings.TrimPrefix(shared.doc.Components.Schemas["WorkflowNode"].Value.Discriminator.Mapping[typ].Ref, "#/components/schemas/")+"Update"]
	for key := range payload {
		if update == nil || update.Value.Properties[key] == nil {
			return failure(http.StatusBadRequest, key+" cannot be set on a "+typ+" node.")
		}
	}
	_, seg := payload["audienceSegmentId"]
	if _, filter := payload["audienceFilter"]; seg != filter && typ == "AudienceFilter" { // one given alone clears the other
		payload[map[bool]string{true: "audienceFilter", false: "audienceSegmentId"}[seg]] = nil
	}
	for _, p := range parents(wf, n["id"]) { // one control per experiment
		for _, id := range next(p) {
			if payload["isControl"] == true {
				nodeOf(wf, id.(string))["isControl"] = false
			}
		}
	}
	for key, v := range payload {
		if n[key] = v; v == nil {
			delete(n, key)
		}
	}
	return s.changed(c, wf, cloneMap(n))
}

// deleteNodes deletes a node, or with subtree the node and every node
// below it.
func deleteNodes(subtree bool) func(s *Server, c *call, wf, body, n object) *response {
	return func(s *Server, c *call, wf, body, n object) *response {
		ids := []string{n["id"].(string)}
		if subtree {
			ids = reachable(wf, ids[0])
		}
		switch {
		case ids[0] == wf["rootNodeId"]:
			return failure(http.StatusBadRequest, "The trigger cannot be deleted.")
		case !subtree && len(next(n)) > 1:
			return failure(http.StatusBadRequest, "A node with several paths can only be deleted with its subtree.")
		}
		queued := queuedAt(wf, ids)
		v := object{"status": outcome(body, queued, "deleted"), "nodeIds": ids, "queuedContactCount": queued}
		if v["status"] != "deleted" {
			return s.answer(c.rt, v)
		}
		if !subtree {
			relink(parents(wf, ids[0]), ids[0], next(n)...) // its parents lead on to its child
		}
		q, _ := wf["_queued"].(map[string]int)
		for _, id := range ids {
			delete(nodes(wf), id)
			delete(q, id)
			relink(parents(wf, id), id)
		}
		return s.changed(c, wf, v)
	}
}

func addBranch(s *Server, c *call, wf, _, n object) *response {
	switch {
	case pathKinds[str(n["typeName"])] == "":
		return failure(http.StatusBadRequest, "Branches can be added only to a BranchNode or an ExperimentBranchNode.")
	case len(nodes(wf)) >= maxNodes:
		return tooManyNodes()
	}
	return s.changed(c, wf, object{"node": cloneMap(s.addPath(wf, n, false))})
}

func reroute(s *Server, c *call, wf, body, n object) *response {
	switch target := str(body["newTargetNodeId"]); {
	case nodeOf(wf, target) == nil || target == wf["rootNodeId"] || slices.Contains(reachable(wf, target), n["id"].(string)):
		return failure(http.StatusBadRequest, "newTargetNodeId must be a node of this workflow that is not the trigger and does not lead back here.")
	case len(next(n)) != 1:
		return failure(http.StatusBadRequest, "Only a node with exactly one outgoing connection can be rerouted.")
	default:
		n["nextNodeIds"] = []any{target}
	}
	return s.changed(c, wf, cloneMap(n))
}

func nodeMetrics(s *Server, c *call, _, _, n object) *response {
	if n["typeName"] != "SendEmailAction" {
		return failure(http.StatusBadRequest, "Metrics are available only for SendEmailAction nodes.")
	}
	return s.answer(c.rt, s.reports[strings.TrimPrefix(c.r.URL.EscapedPath(), apiPrefix)])
}

// changeMailingList drops every queued contact when the workflow moves to
// another list (the fake keeps no list memberships); clearing drops none.
func changeMailingList(s *Server, c *call, wf, body, _ object) *response {
	list, queued := str(body["mailingListId"]), 0
	switch {
	case list != "" && !s.listExists(list):
		return failure(http.StatusNotFound, "Mailing list not found")
	case list != "" && list != str(wf["mailingListId"]):
		queued = queuedAt(wf, nil)
	}
	v := object{"status": outcome(body, queued, "updated"), "mailingListId": body["mailingListId"], "queuedContactCount": queued}
	if v["status"] != "updated" {
		return s.answer(c.rt, v)
	}
	wf["mailingListId"], wf["_queued"] = body["mailingListId"], map[string]int{}
	return s.changed(c, wf, v)
}

// deleteWorkflow is Loops' two-step delete: a sending workflow, or one with
// queued contacts, is deleted only when the request confirms it.
func deleteWorkflow(s *Server, c *call, wf, body, _ object) *response {
	if (wf["status"] == "Sending" || queuedAt(wf, nil) > 0) && body["confirmDelete"] != true {
		return failure(http.StatusConflict, "This workflow is sending or has queued contacts. Confirm deletion by sending a second request with confirmDelete: true.")
	}
	s.remove(workflows, wf["id"].(string))
	return s.answer(c.rt, nil)
}

// QueueContacts puts n contacts in the queue of a workflow node, as if they
// were waiting there (at a timer, say): deleting the node or moving the
// workflow to another mailing list then reports them, and deleting the
// workflow needs confirming. It panics on a node the server does not store.
func (s *Server) QueueContacts(workflowID, nodeID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	wf, _ := s.object(workflows, workflowID)
	if wf == nil || nodeOf(wf, nodeID) == nil {
		panic("loopstest: QueueContacts: no node " + nodeID + " in workflow " + workflowID)
	}
	if wf["_queued"] == nil { // a seeded workflow
		wf["_queued"] = map[string]int{}
	}
	wf["_queued"].(map[string]int)[nodeID] += n
}

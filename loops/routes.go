package loops

import "strings"

// route is one operation of the contract as the pipeline sees it; the
// table, routes, is generated from openapi/loops.yaml (operations.gen.go).
type route struct {
	method, path, id string
	flags            routeFlag
	required         []string // the JSON fields the contract requires in the 2xx answer object
}

// routeFlag says what the contract promises about an operation.
type routeFlag uint8

const (
	// routeKeyed operations take an Idempotency-Key: the client always
	// sends one, so they are retried like reads.
	routeKeyed routeFlag = 1 << iota
	// routeRevisioned operations carry expectedRevisionId: a replay of one
	// that already applied meets 409, so a retry cannot apply it twice.
	routeRevisioned
	// routeContent operations count against the content API's own budget.
	routeContent
	// routeIdempotent operations (x-loops-idempotent in the contract) have
	// the same effect however often they are repeated, such as completing
	// an upload.
	routeIdempotent
)

// routeIndex finds the operation of a request path; built once.
var routeIndex = func() map[string][]*route {
	idx := map[string][]*route{}
	for _, r := range routes {
		idx[r.method] = append(idx[r.method], r)
	}
	return idx
}()

// matchRoute returns the operation for method and path (without the base
// URL's path), or nil for a path the contract lacks (a Client.Do call).
// A {parameter} matches exactly one non-empty segment.
func matchRoute(method, path string) *route {
	for _, r := range routeIndex[method] {
		if segmentsMatch(r.path, path) {
			return r
		}
	}
	return nil
}

func segmentsMatch(template, path string) bool {
	for {
		t, tRest, tMore := strings.Cut(template, "/")
		p, pRest, pMore := strings.Cut(path, "/")
		isParam := strings.HasPrefix(t, "{")
		if (!isParam && t != p) || (isParam && p == "") || tMore != pMore {
			return false
		}
		if !tMore {
			return true
		}
		template, path = tRest, pRest
	}
}

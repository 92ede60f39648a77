package main

import (
	"github.com/getkin/kin-openapi/openapi3"
	"slices"
	"sort"
	"strings"
)

// diffResponses reports the status codes declared on one side only.
func diffResponses(ours, upstream *openapi3.Responses) []string {
	oursCodes, upstreamCodes := responseCodes(ours), responseCodes(upstream)
	var onlyOurs, onlyUpstream []string
	for _, code := range oursCodes {
		if !slices.Contains(upstreamCodes, code) {
			onlyOurs = append(onlyOurs, code)
		}
	}
	for _, code := range upstreamCodes {
		if !slices.Contains(oursCodes, code) {
			onlyUpstream = append(onlyUpstream, code)
		}
	}
	var lines []string
	if len(onlyOurs) > 0 {
		lines = append(lines, "responses only ours: "+strings.Join(onlyOurs, ", "))
	}
	if len(onlyUpstream) > 0 {
		lines = append(lines, "responses only upstream: "+strings.Join(onlyUpstream, ", "))
	}
	return lines
}

// responseCodes lists the declared status codes (and "default"), sorted.
func responseCodes(responses *openapi3.Responses) []string {
	if responses == nil {
		return nil
	}
	codes := make([]string, 0, responses.Len())
	for code := range responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return codes
}

// diffResponseBodies compares, status code by status code, the
// application/json bodies of the responses both sides declare one for.
// A body declared on one side only is not reported.
func diffResponseBodies(ours, upstream *openapi3.Responses) []string {
	var lines []string
	for _, code := range responseCodes(ours) {
		our, up := responseSchema(ours.Value(code)), responseSchema(upstream.Value(code))
		if our == nil || up == nil {
			continue
		}
		lines = append(lines, diffBodySchemas("response "+code+": ", our, up)...)
	}
	return lines
}

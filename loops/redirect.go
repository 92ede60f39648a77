package loops

import (
	"net/http"
)

// maxRedirects is net/http's own limit, which a custom CheckRedirect has
// to enforce itself.
const maxRedirects = 10

// withRedirectPolicy returns a copy of hc (never hc itself: the caller may
// share it) whose CheckRedirect follows only what cannot leak a secret or
// repeat a write. Loops' API has no reason to redirect, so the policy is
// strict:
//
//   - a redirect that leaves the first request's origin (scheme, host and
//     port), an https to http downgrade included, is not followed: the
//     request carries the API key, and its body or query an email address;
//   - a redirect of anything but GET or HEAD is not followed: net/http would
//     re-send a 307's body elsewhere, or turn a PUT into a GET that
//     "succeeds" without storing anything;
//   - a redirect that is followed carries no Referer, which would hold the
//     query string (an email, or a presigned URL's signature).
//
// A redirect not followed is answered with the redirect response itself
// (http.ErrUseLastResponse), which the client reports as an error naming
// the status and the target host only (see redirectMessage). hc's own
// CheckRedirect, if any, still decides about redirects this policy allows.
func withRedirectPolicy(hc *http.Client) *http.Client {
	cp := *hc
	userPolicy := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		first := via[0]
		if len(via) >= maxRedirects || !sameOrigin(first, req) ||
			(first.Method != http.MethodGet && first.Method != http.MethodHead) {
			return http.ErrUseLastResponse
		}
		req.Header.Del("Referer")
		if userPolicy != nil {
			return userPolicy(req, via)
		}
		return nil
	}
	return &cp
}

func sameOrigin(a, b *http.Request) bool {
	return a.URL.Scheme == b.URL.Scheme && canonicalHost(a) == canonicalHost(b)
}

// canonicalHost is the host with its port, the scheme's default made
// explicit, so that "example.com" and "example.com:443" are one origin.
func canonicalHost(r *http.Request) string {
	if r.URL.Port() != "" {
		return r.URL.Host
	}
	port := "80"
	if r.URL.Scheme == "https" {
		port = "443"
	}
	return r.URL.Host + ":" + port
}

// redirectMessage describes a redirect the client did not follow by its
// target's host alone: the path and query may hold an email address or a
// presigned URL's credentials.
func redirectMessage(resp *http.Response) string {
	loc, err := resp.Location()
	switch {
	case err == http.ErrNoLocation:
		return "redirect without a Location, not followed"
	case err != nil || loc.Host == "":
		return "redirect to an unreadable location, not followed"
	}
	return "redirect to " + oneLine(loc.Host) + " not followed (the client follows only same-origin redirects of reads)"
}

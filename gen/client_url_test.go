package gen

import (
	"net/http"
	"net/url"
	"testing"
)

// The request builders memoize the server URL (client.tmpl); they must
// build the URL the stock template did, url.Parse(server).Parse("./path")
// with the query set on it, for any server, and follow a change of server.
func TestBuildersResolveLikeTheStockTemplate(t *testing.T) {
	stock := func(server, path, query string) string {
		serverURL, err := url.Parse(server)
		if err != nil {
			return "error"
		}
		u, err := serverURL.Parse("." + path)
		if err != nil {
			return "error"
		}
		u.RawQuery = query
		return u.String()
	}
	email, cursor := "a+b@example.com", "c/d e"
	for range 2 { // the second round finds each server memoized
		for _, server := range []string{
			"https://app.loops.so/api/", "https://app.loops.so/api", "https://app.loops.so/",
			"http://127.0.0.1:8080/a/b/", "http://[::1]:80/x/./y/", "HTTP://User:p%40ss@Host/%7Eapi/",
			"https://h/api/?q=1#f", "https://h/a%2Fb/", "http://[::1", "relative/",
		} {
			for _, c := range []struct {
				path, query string
				build       func() (*http.Request, error)
			}{
				{"/v1/events/send", "", func() (*http.Request, error) {
					return NewSendEventRequestWithBody(server, nil, "application/json", nil)
				}},
				{"/v1/contacts/find", "email=a%2Bb%40example.com", func() (*http.Request, error) {
					return NewFindContactRequest(server, &FindContactParams{Email: &email})
				}},
				{"/v1/contacts/find", "", func() (*http.Request, error) { return NewFindContactRequest(server, &FindContactParams{}) }},
				{"/v1/campaigns/..%2F%3F%23", "", func() (*http.Request, error) { return NewGetCampaignRequest(server, "../?#") }},
				{"/v1/campaigns/..", "", func() (*http.Request, error) { return NewGetCampaignRequest(server, "..") }},
				{"/v1/campaigns", "cursor=c%2Fd+e", func() (*http.Request, error) {
					return NewListCampaignsRequest(server, &ListCampaignsParams{Cursor: &cursor})
				}},
			} {
				want := stock(server, c.path, c.query)
				got := "error"
				if req, err := c.build(); err == nil {
					got = req.URL.String()
				}
				if got != want {
					t.Errorf("server %q, %s?%s: got %s, want %s", server, c.path, c.query, got, want)
				}
			}
		}
	}
}

package drift

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxDocumentBytes bounds how much of a downloaded document is read.
const maxDocumentBytes = 32 << 20

// Load reads an OpenAPI document (3.0 or 3.1) from a file or an http(s)
// URL and returns it parsed, with its bytes.
func Load(ctx context.Context, location string, timeout time.Duration) (*openapi3.T, []byte, error) {
	data, err := readSource(ctx, location, timeout)
	if err != nil {
		return nil, nil, err
	}
	doc, err := parse(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", location, err)
	}
	return doc, data, nil
}

// parse is Parse for Load and Propose, which only read the document it
// returns. The tests set it to a Parse that parses each distinct document
// once per test binary (cache_test.go).
var parse = Parse

// Parse parses an OpenAPI document.
func Parse(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, fmt.Errorf("the document has no paths")
	}
	return doc, nil
}

// readSource returns the bytes of a file, or of an http(s) URL's body.
func readSource(ctx context.Context, location string, timeout time.Duration) ([]byte, error) {
	if !isHTTPURL(location) {
		return os.ReadFile(location)
	}
	return fetch(ctx, location, timeout)
}

// isHTTPURL tells whether location is an http or https URL rather than a path.
func isHTTPURL(location string) bool {
	u, err := url.Parse(location)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// fetch downloads a document with the standard library, within timeout.
func fetch(ctx context.Context, rawURL string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/yaml, application/json;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "loops-go-drift")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading %s: HTTP status %s", rawURL, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("downloading %s: %w", rawURL, err)
	}
	if len(data) > maxDocumentBytes {
		return nil, fmt.Errorf("downloading %s: document is larger than %d bytes", rawURL, maxDocumentBytes)
	}
	return data, nil
}

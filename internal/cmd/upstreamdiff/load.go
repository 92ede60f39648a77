package main

import (
	"context"
	"fmt"
	"github.com/getkin/kin-openapi/openapi3"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// loadDocument reads and parses an OpenAPI document (3.0 or 3.1) from a file
// or an http(s) URL. A document that parses but does not validate is still
// used; the validation problem is printed to warnings.
func loadDocument(ctx context.Context, location string, timeout time.Duration, warnings io.Writer) (*openapi3.T, error) {
	data, err := readSource(ctx, location, timeout)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", location, err)
	}
	if doc.Paths == nil {
		return nil, fmt.Errorf("%s has no paths", location)
	}
	if err := doc.Validate(ctx); err != nil {
		fmt.Fprintf(warnings, "upstreamdiff: warning: %s does not validate: %v\n", location, err)
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
	req.Header.Set("User-Agent", "loops-go-upstreamdiff")

	client := &http.Client{Timeout: timeout}
	resp, err := client.Do(req)
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

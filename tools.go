//go:build tools

// This file pins the code generator: go.mod records its version, so
// `go generate` (which runs it with `go run`) is reproducible byte for byte.
package loopsgo

import _ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"

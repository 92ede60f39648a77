// Package loopsgo is the module root of the Loops Go SDK. It holds no API:
// import github.com/loopsdev/loops-go/loops for the client, or
// github.com/loopsdev/loops-go/gen for the generated low-level client.
//
// The directive below regenerates gen/ from openapi/loops.yaml with the
// oapi-codegen version pinned in go.mod (see tools.go). Run `make generate`.
package loopsgo

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/oapi-codegen.yaml openapi/loops.yaml

// Package loopsgo is the module root of the Loops Go SDK. It holds no API:
// import github.com/loopsdev/loops-go/loops for the client, or
// github.com/loopsdev/loops-go/gen for the generated low-level client.
//
// The directives below regenerate everything that follows from
// openapi/loops.yaml, in order: the codegen overlay, gen/'s models and
// client (oapi-codegen, the version pinned in go.mod via tools.go), then
// the accessors, validation, aliases and operation table (loopsgen). Run
// `make generate`.
package loopsgo

//go:generate go run ./internal/cmd/loopsgen -stage overlay
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/oapi-codegen.models.yaml openapi/loops.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config openapi/oapi-codegen.client.yaml openapi/loops.yaml
//go:generate go run ./internal/cmd/loopsgen -stage code

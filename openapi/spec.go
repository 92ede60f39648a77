// Package openapi carries the loops-go contract, openapi/loops.yaml, into Go
// programs: the fake server in loops/loopstest validates traffic against it
// and the tests check it. The file is the source of gen/ (see generate.go).
package openapi

import _ "embed"

// YAML is the contract, byte for byte as in openapi/loops.yaml.
//
//go:embed loops.yaml
var YAML []byte

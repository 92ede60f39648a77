// Package openapi carries the loops-go contract, openapi/loops.yaml, into Go
// programs: the fake server in loops/loopstest validates traffic against it
// and the tests check it. The file is the source of gen/ (see generate.go).
package openapi

import (
	"bytes"
	_ "embed"
)

//go:embed loops.yaml
var contract []byte

// Spec returns the contract, byte for byte as in openapi/loops.yaml. Each
// call returns a fresh copy, which the caller may keep or change.
func Spec() []byte { return bytes.Clone(contract) }

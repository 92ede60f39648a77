// Command loopsgen writes the code that follows mechanically from the
// contract, openapi/loops.yaml, around what oapi-codegen generates. It runs
// twice in `make generate` (see generate.go):
//
//	loopsgen -stage overlay   # before oapi-codegen
//	loopsgen -stage code      # after it
//
// The overlay stage writes openapi/codegen-overlay.gen.yaml: the hand-kept
// actions of openapi/codegen-overlay.yaml, plus one rule applied to every
// schema that only appears in answers: a field that may be null becomes an
// optional pointer (nil for null) instead of nullable.Nullable, which
// exists for sending null.
//
// The code stage reads the contract and the generated models (go/ast) and
// writes, each with a "Code generated ... DO NOT EDIT." header:
//
//   - gen/accessors.gen.go: nil-safe GetX methods for every pointer and
//     Nullable field of the answer models, and the page methods of lists;
//   - gen/validate.gen.go: Validate methods on the request models, from
//     the rules the contract states (required, lengths, enums, ranges,
//     item counts), so the client refuses bad input before sending;
//   - loops/types.gen.go and loops/workflow_types.gen.go: the aliases that
//     re-export gen's models under package loops (names the loops package
//     declares itself are skipped), each with its fields listed in its doc
//     comment; the types only the workflow services use go to the second
//     file;
//   - loops/services.gen.go: the service types and their public methods,
//     for the operations the contract names a method for (x-go), with a
//     ListIter for each paginated list. Each method makes the whole call:
//     it checks path parameters and the body, encodes it once and calls
//     the generated client through the client's pipeline;
//   - loops/operations.gen.go: the route table the pipeline classifies
//     requests by, and an unexported method of the same shape for each
//     operation without x-go, which package loops wraps by hand;
//   - loops/webhooks/events.gen.go: an event type per webhook payload, its
//     payload alias, constructor and Mux method, and a reflection-free
//     decoder for every payload model;
//   - api.md: the index of every service method (with its request and
//     answer types and the HTTP request it sends) and webhook event.
//
// The output depends only on its inputs, in a fixed order, so that
// `make check-generated` can diff it.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	stage := flag.String("stage", "", "overlay or code")
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	var err error
	switch *stage {
	case "overlay":
		err = writeOverlay(*root)
	case "code":
		err = writeCode(*root)
	default:
		err = fmt.Errorf("-stage must be overlay or code")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loopsgen:", err)
		os.Exit(1)
	}
}

package otelloops_test

import (
	"log"
	"os"

	"github.com/loopsdev/loops-go/contrib/otelloops"
	"github.com/loopsdev/loops-go/loops"
)

// A client whose calls become spans and metrics, with the trace context
// propagated to Loops (the README's wiring). Compiled, not run: it reads
// LOOPS_API_KEY.
func Example() {
	tel := otelloops.New() // the global providers, or WithTracerProvider / WithMeterProvider
	client, err := loops.NewClient(os.Getenv("LOOPS_API_KEY"), loops.WithObserver(tel), loops.WithMiddleware(tel.Middleware))
	if err != nil {
		log.Fatal(err)
	}
	_ = client
}

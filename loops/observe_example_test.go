package loops_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// countCalls is a minimal Observer: it prints each call's outcome. A
// real one records metrics or spans (contrib/otelloops does both).
type countCalls struct{}

func (countCalls) StartCall(ctx context.Context, op loops.Operation) (context.Context, loops.CallObserver) {
	return ctx, callPrinter{op}
}

type callPrinter struct{ op loops.Operation }

func (callPrinter) LimiterWaited(string, time.Duration) {}
func (p callPrinter) Attempted(a loops.Attempt) {
	if a.Retry != "" {
		fmt.Printf("%s: attempt %d got %d, retrying (%s)\n", p.op.Name, a.N, a.StatusCode, a.Retry)
	}
}
func (p callPrinter) Ended(r loops.CallResult) {
	fmt.Printf("%s (%s): %d attempts, outcome %q\n", p.op.Name, p.op.OperationID, r.Attempts, r.Class)
}

// A call observer sees each logical call, its retries and its outcome;
// a middleware wraps each attempt's HTTP request.
func ExampleWithObserver() {
	srv := loopstest.New(loopstest.WithoutListener())
	defer srv.Close()
	srv.Inject("POST /v1/events/send", loopstest.Status(503))

	addHeader := func(req *http.Request, next loops.MiddlewareNext) (*http.Response, error) {
		req.Header.Set("X-Request-Source", "billing-worker")
		return next(req)
	}
	client, err := loops.NewClient(srv.APIKey(), append(srv.ClientOptions(),
		loops.WithObserver(countCalls{}),
		loops.WithMiddleware(addHeader),
	)...)
	if err != nil {
		log.Fatal(err)
	}
	err = client.Events.Send(context.Background(), &loops.EventRequest{Email: new("ada@example.com"), EventName: "signup"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("header reached Loops:", srv.Requests()[1].Header.Get("X-Request-Source"))
	// Output:
	// Events.Send: attempt 1 got 503, retrying (server_error)
	// Events.Send (sendEvent): 2 attempts, outcome ""
	// header reached Loops: billing-worker
}

// Command stdout shows what contrib/otelloops records: it sends a few calls
// to an in-memory fake Loops (one retried after a 503, one deduplicated
// after a lost answer) and prints the spans and metrics as JSON.
//
//	go run ./examples/stdout
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"

	"github.com/loopsdev/loops-go/contrib/otelloops"
	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	spans, err := stdouttrace.New(stdouttrace.WithWriter(w), stdouttrace.WithPrettyPrint())
	if err != nil {
		return err
	}
	metrics, err := stdoutmetric.New(stdoutmetric.WithWriter(w), stdoutmetric.WithPrettyPrint())
	if err != nil {
		return err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	srv := loopstest.New(loopstest.WithoutListener())
	defer srv.Close()
	srv.Inject("POST /v1/events/send", loopstest.Status(503), loopstest.Pass(), loopstest.ProcessThenDrop())

	// The wiring a service needs: telemetry, then two client options.
	tel := otelloops.New(otelloops.WithTracerProvider(tp), otelloops.WithMeterProvider(mp))
	client, err := loops.NewClient(srv.APIKey(),
		loops.WithObserver(tel),
		loops.WithMiddleware(tel.Middleware),
		loops.WithBaseURL(srv.URL()), // the fake, in-process
		loops.WithHTTPClient(&http.Client{Transport: srv.Transport()}),
	)
	if err != nil {
		return err
	}

	for _, name := range []string{"signup", "planUpgraded"} {
		err := client.Events.Send(ctx, &loops.EventRequest{Email: new("ada@example.com"), EventName: name})
		if err != nil {
			return err
		}
	}
	if _, err := client.Account.TestAPIKey(ctx); err != nil {
		return err
	}

	fmt.Fprintln(w, "== metrics")
	rm := new(metricdata.ResourceMetrics)
	if err := reader.Collect(ctx, rm); err != nil {
		return err
	}
	if err := metrics.Export(ctx, rm); err != nil {
		return err
	}
	return tp.Shutdown(ctx)
}

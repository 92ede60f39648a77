package loops_test

import (
	"context"
	"fmt"
	"log"
	"slices"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// A bulk contact sync: rows stream in (here from a slice; from a CSV reader
// or a database cursor just as well), one result per row, progress for a
// bar, a checkpoint to resume from.
func ExampleContactsService_UpdateBatch() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}

	rows := []*loops.ContactUpdateRequest{
		{Email: new("ada@example.com"), FirstName: loops.Value("Ada")},
		{Email: new("grace@example.com"), FirstName: loops.Value("Grace")},
		{Email: new("not an email")},
	}
	contacts := loops.Keyed(slices.Values(rows), func(r *loops.ContactUpdateRequest) string { return *r.Email })

	sum, err := client.Contacts.UpdateBatch(context.Background(), contacts,
		loops.WithTotal(len(rows)),
		loops.WithResults(func(r loops.BatchResult) {
			if r.Err != nil {
				fmt.Printf("row %d (%s) failed\n", r.Index, r.Key)
			}
		}),
		loops.WithProgress(func(p loops.BatchProgress) { /* redraw a bar: p.Done of p.Total, p.Rate, p.Remaining */ }),
		loops.WithCheckpoint(func(resume int) error { return nil /* save resume; pass it to WithResumeAt next run */ }),
	)
	if err != nil {
		log.Fatal(err) // the job stopped early (ctx, checkpoint); sum says where to resume
	}
	fmt.Printf("%d succeeded, %d failed, resume at %d\n", sum.Succeeded, sum.Failed, sum.Resume)
	// Output:
	// row 2 (not an email) failed
	// 2 succeeded, 1 failed, resume at 3
}

// Sends under a job ID: running the same job again (after a crash, say)
// delivers nothing twice; Loops reports the sends it already processed,
// and they count as deduplicated successes.
func ExampleEventsService_SendBatch() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	events := loops.Keyed(slices.Values([]*loops.EventRequest{
		{Email: new("ada@example.com"), EventName: "planChanged"},
		{Email: new("grace@example.com"), EventName: "planChanged"},
	}), func(e *loops.EventRequest) string { return *e.Email })

	for run := 1; run <= 2; run++ {
		sum, err := client.Events.SendBatch(context.Background(), events, loops.WithJobID("plan-migration-2026-12"))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("run %d: %d succeeded, %d deduplicated\n", run, sum.Succeeded, sum.Deduplicated)
	}
	fmt.Println("events delivered:", len(srv.Events()))
	// Output:
	// run 1: 2 succeeded, 0 deduplicated
	// run 2: 2 succeeded, 2 deduplicated
	// events delivered: 2
}

// Any call runs as a batch through a closure that passes the options on.
func ExampleRunBatch() {
	srv := loopstest.New()
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	emails := loops.Keyed(slices.Values([]string{"ada@example.com", "grace@example.com"}), nil)
	sum, err := loops.RunBatch(context.Background(), client, emails,
		func(ctx context.Context, email string, opts ...loops.CallOption) error {
			_, err := client.Contacts.Update(ctx, &loops.ContactUpdateRequest{Email: &email, Subscribed: new(true)}, opts...)
			return err
		})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sum.Succeeded, "resubscribed")
	// Output:
	// 2 resubscribed
}

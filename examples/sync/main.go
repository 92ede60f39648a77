// Command sync upserts the contacts of a CSV file into Loops through the
// batch API, with a progress bar, and resumes where it stopped after
// Ctrl-C or a crash.
//
//	go run . -csv contacts.csv     # columns: email,firstName,lastName
//	go run .                       # generates contacts.csv (500 rows) unless it exists
//
// Without LOOPS_API_KEY it runs against an in-memory fake of Loops
// (package loopstest) enforcing Loops' 10 requests a second; with it, against
// Loops itself. Each upserted email is appended to the checkpoint file
// (sync.checkpoint): a second run skips them, so an interrupted sync
// resumes without upserting a contact twice. Delete the file to start over.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
	"github.com/schollz/progressbar/v3"
)

func main() {
	csvPath := flag.String("csv", "", "CSV of contacts (email,firstName,lastName); empty: generate contacts.csv")
	rows := flag.Int("rows", 500, "rows to generate when -csv is empty")
	checkpoint := flag.String("checkpoint", "sync.checkpoint", "file recording the emails already upserted")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := mainErr(ctx, *csvPath, *rows, *checkpoint); err != nil {
		fmt.Fprintln(os.Stderr, "sync:", err)
		os.Exit(1)
	}
}

func mainErr(ctx context.Context, csvPath string, rows int, checkpoint string) error {
	if csvPath == "" {
		csvPath = "contacts.csv"
		if _, err := os.Stat(csvPath); errors.Is(err, os.ErrNotExist) { // a resumed run keeps the first run's file
			if err := generate(csvPath, rows); err != nil {
				return err
			}
			fmt.Printf("wrote %d generated contacts to %s\n", rows, csvPath)
		}
	}
	var opts []loops.Option
	key := os.Getenv("LOOPS_API_KEY")
	if key == "" {
		srv := loopstest.New() // Loops' limit of 10 a second, over loopback
		defer srv.Close()
		key, opts = srv.APIKey(), []loops.Option{loops.WithBaseURL(srv.URL())}
		fmt.Println("LOOPS_API_KEY is not set: syncing to an in-memory fake of Loops")
	}
	client, err := loops.NewClient(key, opts...)
	if err != nil {
		return err
	}
	sum, err := run(ctx, client, job{csv: csvPath, checkpoint: checkpoint, out: os.Stdout, bar: true})
	if sum != nil {
		fmt.Println(sum)
	}
	if err != nil && ctx.Err() != nil {
		fmt.Println("interrupted: run again to resume")
		return nil
	}
	return err
}

// job is one sync: where the rows and the checkpoint are, where to report.
type job struct {
	csv, checkpoint string
	out             io.Writer
	bar             bool // draw a progress bar on out
}

// run syncs the CSV's contacts that the checkpoint does not list, and
// appends each one upserted to it.
func run(ctx context.Context, client *loops.Client, j job) (*loops.BatchSummary, error) {
	done, err := loadCheckpoint(j.checkpoint)
	if err != nil {
		return nil, err
	}
	total, err := countRows(j.csv)
	if err != nil {
		return nil, err
	}
	log, err := os.OpenFile(j.checkpoint, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	if len(done) > 0 {
		fmt.Fprintf(j.out, "resuming: %d of %d contacts were upserted before\n", len(done), total)
	}

	rows := &csvRows{path: j.csv}
	opts := []loops.BatchOption{
		loops.WithTotal(total),
		loops.WithSkip(func(email string) bool { return done[email] }),
		loops.WithResults(func(r loops.BatchResult) {
			switch {
			case r.Err == nil:
				_, werr := fmt.Fprintln(log, r.Key) // one line per contact: a crash loses at most the last
				if werr != nil {
					err = werr
				}
			case !isNotAttempted(r.Err):
				fmt.Fprintf(j.out, "\nrow %d (%s): %v\n", r.Index+1, r.Key, r.Err)
			}
		}),
	}
	if j.bar {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(j.out), progressbar.OptionSetDescription("upserting"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("contacts"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		defer bar.Exit()
		opts = append(opts, loops.WithProgress(func(p loops.BatchProgress) { _ = bar.Set(p.Done) }))
	}
	sum, runErr := client.Contacts.UpdateBatch(ctx, rows.all(), opts...)
	if runErr == nil {
		runErr = rows.err
	}
	if runErr == nil {
		runErr = err // the checkpoint's
	}
	return sum, runErr
}

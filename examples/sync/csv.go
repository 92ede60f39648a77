package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"

	"github.com/loopsdev/loops-go/loops"
)

// csvRows streams a CSV of contacts, one row at a time: a file of a
// million rows never sits in memory. A read error ends the rows and is
// kept in err.
type csvRows struct {
	path string
	err  error
}

// all yields each row's email (the item key) and its upsert request.
func (c *csvRows) all() iter.Seq2[string, *loops.ContactUpdateRequest] {
	return func(yield func(string, *loops.ContactUpdateRequest) bool) {
		f, err := os.Open(c.path)
		if err != nil {
			c.err = err
			return
		}
		defer f.Close()
		r := csv.NewReader(bufio.NewReader(f))
		r.FieldsPerRecord = 3
		r.ReuseRecord = true
		if _, err := r.Read(); err != nil { // the header
			c.err = fmt.Errorf("%s: %w", c.path, err)
			return
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				c.err = fmt.Errorf("%s: %w", c.path, err)
				return
			}
			email := strings.TrimSpace(rec[0])
			req := &loops.ContactUpdateRequest{Email: &email}
			if rec[1] != "" {
				req.FirstName = loops.Value(rec[1])
			}
			if rec[2] != "" {
				req.LastName = loops.Value(rec[2])
			}
			if !yield(email, req) {
				return
			}
		}
	}
}

// countRows counts the data rows, for the progress bar's total.
func countRows(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	s := bufio.NewScanner(f)
	for s.Scan() {
		n++
	}
	return max(n-1, 0), s.Err()
}

// generate writes n made-up contacts.
func generate(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"email", "firstName", "lastName"})
	first := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken"}
	last := []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson"}
	for i := range n {
		_ = w.Write([]string{fmt.Sprintf("contact%05d@example.com", i), first[i%len(first)], last[i/len(first)%len(last)]})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}

// loadCheckpoint reads the emails a previous run upserted.
func loadCheckpoint(path string) (map[string]bool, error) {
	done := map[string]bool{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return done, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := strings.TrimSpace(s.Text()); line != "" {
			done[line] = true
		}
	}
	return done, s.Err()
}

func isNotAttempted(err error) bool { return errors.Is(err, loops.ErrNotAttempted) }

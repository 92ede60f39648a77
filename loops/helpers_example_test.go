package loops_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// A receipt: the order's lines go in as your own struct type (a slice of
// structs becomes the template's array block), and the PDF is attached
// from a file, typed from its extension.
func ExampleAttachmentFromFile() {
	srv := loopstest.New(loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{
		ID: "receipt", Name: "Receipt", DataVariables: []string{"orderId", "lines"},
	}))
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "receipt")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "receipt-1042.pdf")
	if err := os.WriteFile(path, []byte("%PDF-1.7 ..."), 0o600); err != nil {
		log.Fatal(err)
	}

	type line struct {
		Name  string  `json:"name"`
		Price float64 `json:"price"`
	}
	pdf, err := loops.AttachmentFromFile(path)
	if err != nil {
		log.Fatal(err) // a missing file, or one over loops.MaxAttachmentBytes
	}
	err = client.Transactional.Send(context.Background(), &loops.TransactionalRequest{
		TransactionalID: "receipt",
		Email:           "ada@example.com",
		DataVariables: map[string]any{
			"orderId": "1042",
			"lines":   []line{{"Widget", 9.5}, {"Gadget", 12}},
		},
		Attachments: []loops.Attachment{pdf},
	})
	if err != nil {
		log.Fatal(err)
	}

	sent := srv.TransactionalSends()[0]
	fmt.Println(sent.Attachments[0].Filename, sent.Attachments[0].ContentType)
	fmt.Println(sent.DataVariables["lines"])
	// Output:
	// receipt-1042.pdf application/pdf
	// [map[name:Widget price:9.5] map[name:Gadget price:12]]
}

// Collect over a list iterator: every transactional template, in one slice.
func ExampleCollect() {
	var templates []loopstest.TransactionalEmail
	for i := 1; i <= 25; i++ {
		templates = append(templates, loopstest.TransactionalEmail{ID: fmt.Sprintf("t%02d", i), Name: fmt.Sprintf("Template %d", i)})
	}
	srv := loopstest.New(loopstest.WithTransactionalEmails(templates...))
	defer srv.Close()
	client, err := loops.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		fmt.Println(err)
		return
	}

	all, err := loops.Collect(client.Transactional.ListIter(context.Background(), &loops.ListOptions{PerPage: 10}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(all), "templates, fetched 10 a page")
	// Output:
	// 25 templates, fetched 10 a page
}

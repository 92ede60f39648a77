package loops_test

import (
	"errors"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/loopsdev/loops-go/loops"
	"github.com/loopsdev/loops-go/loops/loopstest"
)

// item is a user's own type for an array block of a template.
type item struct {
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

type plan string

// DataVariables take any value that encodes to the contract's shapes, and
// the fake receives exactly those shapes.
func TestDataVariablesAcceptWhatEncodes(t *testing.T) {
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{ID: "receipt", Name: "Receipt"}))
	c := srv.Client(t)
	type untagged struct{ SKU string }
	err := c.Transactional.Send(t.Context(), &loops.TransactionalRequest{
		TransactionalID: "receipt",
		Email:           "ada@example.com",
		DataVariables: map[string]any{
			"items":  []item{{"Widget", 9.5}, {"Gadget", 12}},
			"skus":   []untagged{{"W-1"}},
			"labels": []map[string]string{{"text": "gift"}},
			"plan":   plan("pro"),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.TransactionalSends()[0].DataVariables
	want := map[string]any{
		"items":  []any{map[string]any{"name": "Widget", "price": 9.5}, map[string]any{"name": "Gadget", "price": 12.0}},
		"skus":   []any{map[string]any{"SKU": "W-1"}},
		"labels": []any{map[string]any{"text": "gift"}},
		"plan":   "pro",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the fake received %#v, want %#v", got, want)
	}
}

// What cannot encode to those shapes is refused before anything is sent,
// naming the variable and what it encodes to.
func TestDataVariablesRefuseWhatCannot(t *testing.T) {
	type nested struct {
		Name string
		Meta struct{ X int }
	}
	type optional struct{ Note *string }
	for _, tc := range []struct {
		name  string
		value any
		want  string
	}{
		{"a struct alone", item{"Widget", 1}, `data variable "v": has a loops_test.item, which encodes to an object`},
		{"a map alone", map[string]any{"a": 1}, `encodes to an object`},
		{"a list of strings", []string{"a"}, `data variable "v"[0]: encodes to a string; array variables hold objects`},
		{"a nested struct", []nested{{Name: "a"}}, `data variable "v"[0]."Meta": has a map[string]interface {}`},
		{"a null field", []optional{{}}, `data variable "v"[0]."Note": has a null`},
		{"nil", nil, `encodes to null`},
		{"a channel", make(chan int), `cannot be encoded as JSON`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := loopstest.NewServer(t)
			err := srv.Client(t).Transactional.Send(t.Context(), &loops.TransactionalRequest{
				TransactionalID: "receipt", Email: "ada@example.com", DataVariables: map[string]any{"v": tc.value},
			})
			if !errors.Is(err, loops.ErrInvalidInput) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalidInput saying %q", err, tc.want)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestAttachmentFromFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, content, wantType string }{
		{"receipt.pdf", "%PDF-1.7 ...", "application/pdf"},
		{"logo.png", "\x89PNG\r\n\x1a\n....", "image/png"},
		{"notes.unknownext", "plain words", "text/plain; charset=utf-8"}, // sniffed
		{"blob.unknownext", "\x00\x01\x02", "application/octet-stream"},
	} {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		a, err := loops.AttachmentFromFile(path)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if a.Filename != tc.name || a.ContentType != tc.wantType || string(a.Data) != tc.content {
			t.Errorf("%s: got %q %q %q, want the base name, %q and the content", tc.name, a.Filename, a.ContentType, a.Data, tc.wantType)
		}
	}
	if _, err := loops.AttachmentFromFile(filepath.Join(dir, "missing.pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: err = %v, want one matching os.ErrNotExist", err)
	}
}

func TestAttachmentSizeLimits(t *testing.T) {
	big := strings.NewReader(strings.Repeat("x", loops.MaxAttachmentBytes+1))
	if _, err := loops.AttachmentFromReader("big.txt", big); !errors.Is(err, loops.ErrInvalidInput) {
		t.Errorf("one byte over MaxAttachmentBytes: err = %v, want ErrInvalidInput", err)
	}
	if big.Len() != 0 { // read up to the limit and one byte more, then stopped
		t.Errorf("%d bytes left unread", big.Len())
	}
	full, err := loops.AttachmentFromReader("full.txt", strings.NewReader(strings.Repeat("x", loops.MaxAttachmentBytes)))
	if err != nil {
		t.Fatalf("exactly MaxAttachmentBytes: %v", err)
	}
	if _, err := loops.AttachmentFromReader("", strings.NewReader("x")); !errors.Is(err, loops.ErrInvalidInput) {
		t.Errorf("no filename: err = %v, want ErrInvalidInput", err)
	}

	// Two attachments that fit one by one but not together are refused
	// before anything is sent; one alone goes through.
	srv := loopstest.NewServer(t, loopstest.WithTransactionalEmails(loopstest.TransactionalEmail{ID: "receipt", Name: "Receipt"}))
	c := srv.Client(t)
	small, _ := loops.AttachmentFromReader("small.txt", strings.NewReader("x"))
	err = c.Transactional.Send(t.Context(), &loops.TransactionalRequest{TransactionalID: "receipt", Email: "ada@example.com", Attachments: []loops.Attachment{full, small}})
	if !errors.Is(err, loops.ErrInvalidInput) || !strings.Contains(err.Error(), "attachments") || len(srv.Requests()) != 0 {
		t.Errorf("attachments over 4 MB together: err = %v, %d requests", err, len(srv.Requests()))
	}
	if err := c.Transactional.Send(t.Context(), &loops.TransactionalRequest{TransactionalID: "receipt", Email: "ada@example.com", Attachments: []loops.Attachment{small}}); err != nil {
		t.Errorf("a small attachment: %v", err)
	}
}

func TestCollect(t *testing.T) {
	boom := errors.New("boom")
	seq := func(n int, fail bool) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := range n {
				if !yield(i, nil) {
					return
				}
			}
			if fail {
				if yield(0, boom) {
					t.Error("Collect asked for more after an error")
				}
			}
		}
	}
	if got, err := loops.Collect(seq(3, false)); err != nil || !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Errorf("Collect = %v, %v", got, err)
	}
	if got, err := loops.Collect(seq(2, true)); !errors.Is(err, boom) || !reflect.DeepEqual(got, []int{0, 1}) {
		t.Errorf("Collect with an error = %v, %v; want the items before it and the error", got, err)
	}
	if got, err := loops.Collect(seq(0, false)); err != nil || len(got) != 0 {
		t.Errorf("Collect of nothing = %v, %v", got, err)
	}
}

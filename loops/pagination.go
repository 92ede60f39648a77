package loops

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// ListOptions selects a page of a paginated list. The zero value (or nil)
// asks for the first page at Loops' default size.
type ListOptions struct {
	// PerPage is the page size, from 10 to 50; 0 means Loops' default (20).
	PerPage int
	// Cursor continues a list; take it from Pagination.NextCursor.
	Cursor string
}

// ErrRepeatedCursor is yielded by a list iterator when Loops hands back a
// cursor it has already followed; the iterator stops rather than loop.
var ErrRepeatedCursor = errors.New("loops: pagination returned a cursor it had already returned")

// maxEmptyPages bounds how many empty pages in a row, each with a new
// cursor, an iterator follows: a list that keeps answering nothing but
// "there is more" would otherwise be paged until ctx ends (or for ever).
const maxEmptyPages = 10

// ErrEmptyPages is yielded by a list iterator after 10 empty pages in a
// row that each carried a new cursor; the iterator stops rather than page
// on without end.
var ErrEmptyPages = errors.New("loops: pagination returned 10 empty pages in a row, each with a new cursor")

type listParams struct {
	perPage *int
	cursor  *string
}

// params checks the options (nil is fine) and turns them into query values.
func (o *ListOptions) params(op string) (listParams, error) {
	var p listParams
	if o == nil {
		return p, nil
	}
	if o.PerPage != 0 {
		if o.PerPage < 10 || o.PerPage > 50 {
			return p, invalid(op, "perPage", fmt.Sprintf("is %d; Loops accepts 10 to 50 (or 0 for the default)", o.PerPage))
		}
		p.perPage = &o.PerPage
	}
	p.cursor = optional(o.Cursor)
	return p, nil
}

// page is a generated list page: gen gives every page type these methods.
type page[T any] interface {
	Items() []T
	NextCursor() string
}

// paginate turns a page call into a range-able sequence. It copies lo, so
// the caller's struct is never changed; it passes opts to every page call;
// it yields an error once and stops; it fetches no page after the loop
// breaks; and it stops with ErrRepeatedCursor instead of following a
// cursor twice, and with ErrEmptyPages after 10 empty pages in a row.
func paginate[T any, P page[T]](ctx context.Context, lo *ListOptions, opts []CallOption, list func(context.Context, *ListOptions, ...CallOption) (P, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var o ListOptions
		if lo != nil {
			o = *lo
		}
		seen := map[string]bool{}
		empty := 0 // pages in a row without an item
		if o.Cursor != "" {
			seen[o.Cursor] = true
		}
		for {
			p, err := list(ctx, &o, opts...)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			items := p.Items()
			if len(items) == 0 {
				empty++
			} else {
				empty = 0
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			next := p.NextCursor()
			if next == "" {
				return
			}
			var stop error
			switch {
			case seen[next]:
				stop = ErrRepeatedCursor
			case empty >= maxEmptyPages:
				stop = ErrEmptyPages
			}
			if stop != nil {
				var zero T
				yield(zero, stop)
				return
			}
			seen[next] = true
			o.Cursor = next
		}
	}
}

// Collect gathers everything seq yields into a slice, such as every item of
// a list iterator. It stops at the first error and returns it with the
// items gathered before it.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var items []T
	for item, err := range seq {
		if err != nil {
			return items, err
		}
		items = append(items, item)
	}
	return items, nil
}

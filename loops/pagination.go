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

// pageFunc fetches the page opts selects and returns its items and the next
// cursor ("" after the last page).
type pageFunc[T any] func(ctx context.Context, opts *ListOptions) ([]T, string, error)

// paginate turns a page fetcher into a range-able sequence. It copies opts,
// so the caller's struct is never changed; it yields an error once and
// stops; it fetches no page after the loop breaks; and it stops with
// ErrRepeatedCursor instead of following a cursor twice.
func paginate[T any](ctx context.Context, opts *ListOptions, fetch pageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var o ListOptions
		if opts != nil {
			o = *opts
		}
		seen := map[string]bool{}
		if o.Cursor != "" {
			seen[o.Cursor] = true
		}
		for {
			items, next, err := fetch(ctx, &o)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if seen[next] {
				var zero T
				yield(zero, ErrRepeatedCursor)
				return
			}
			seen[next] = true
			o.Cursor = next
		}
	}
}

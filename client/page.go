package client

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

// Page is one page of a list, newest first. NextCursor is "" on the last
// page; otherwise pass it as the Cursor of the next query.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// pageQuery adds limit and cursor to q; a zero limit is left to the
// server's default (50).
func pageQuery(q url.Values, limit int, cursor string) url.Values {
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return q
}

// setIf sets q[k] to v when v is not "".
func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// list fetches one page of k into a Page[T].
func list[T any](ctx context.Context, c *Client, k call) (Page[T], error) {
	var p Page[T]
	err := c.do(ctx, k, &p)
	return p, err
}

// one makes a call on the API's collection/{id} and decodes the answer.
func one[T any](ctx context.Context, c *Client, method, collection, id string, body any) (T, error) {
	var out T
	p, err := pathID(id)
	if err != nil {
		return out, err
	}
	err = c.do(ctx, call{method: method, to: toAPI, path: collection + p, body: body, bearer: true}, &out)
	return out, err
}

// all yields every item of the pages fetch returns, starting at cursor and
// following NextCursor. It fetches a page only when the items before it
// have been consumed, and stops at the first error, which it yields with
// the zero T.
func all[T any](cursor string, fetch func(cursor string) (Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			p, err := fetch(cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			if p.NextCursor == "" {
				return
			}
			if p.NextCursor == cursor {
				var zero T
				yield(zero, fmt.Errorf("bizy: the server returned the same cursor %q again", cursor))
				return
			}
			cursor = p.NextCursor
		}
	}
}

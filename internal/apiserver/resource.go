package apiserver

import (
	"context"
	"net/http"
	"net/url"

	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/web"
)

// resource serves one kind of a user's items, tasks or goals, with the same
// five handlers: list, create, get, patch and delete. Each runs inside
// requireUser and passes the caller's id to the Service, which scopes every
// read and write to that user: another user's item is a 404, like an
// unknown id. Create and Patch are the request bodies (decoded and checked
// by web.Decode); View is an item as the API shows it. appendPage, when
// set, appends a page of items as web.JSON writes newPage(items, next,
// view), without the views (see pagejson.go).
type resource[Item, View, Create, Patch any] struct {
	list   func(ctx context.Context, userID string, q url.Values, limit int) ([]Item, string, error)
	create func(ctx context.Context, userID string, body Create) (Item, error)
	get    func(ctx context.Context, userID, id string) (Item, error)
	update func(ctx context.Context, userID, id string, body Patch) (Item, error)
	remove func(ctx context.Context, userID, id string) error
	view   func(Item) View

	appendPage func(b []byte, items []Item, next string) []byte
}

// handleList answers a page of the caller's items, newest first, filtered
// by the query; limit and cursor page through them.
func (res resource[Item, View, Create, Patch]) handleList() web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		limit, err := input.Limit(q.Get("limit"))
		if err != nil {
			return err
		}
		items, next, err := res.list(r.Context(), c.UserID, q, limit)
		if err != nil {
			return err
		}
		if res.appendPage != nil {
			web.JSONAppend(w, http.StatusOK, func(b []byte) []byte { return res.appendPage(b, items, next) })
			return nil
		}
		return web.JSON(w, http.StatusOK, newPage(items, next, res.view))
	}
}

// handleCreate makes an item for the caller and answers it with 201.
func (res resource[Item, View, Create, Patch]) handleCreate() web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		body, err := web.Decode[Create](r)
		if err != nil {
			return err
		}
		item, err := res.create(r.Context(), c.UserID, body)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusCreated, res.view(item))
	}
}

// handleGet answers one of the caller's items.
func (res resource[Item, View, Create, Patch]) handleGet() web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		item, err := res.get(r.Context(), c.UserID, r.PathValue("id"))
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, res.view(item))
	}
}

// handlePatch changes the fields present in the body and answers the whole
// updated item.
func (res resource[Item, View, Create, Patch]) handlePatch() web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		body, err := web.Decode[Patch](r)
		if err != nil {
			return err
		}
		item, err := res.update(r.Context(), c.UserID, r.PathValue("id"), body)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusOK, res.view(item))
	}
}

// handleDelete deletes one of the caller's items and answers 204.
func (res resource[Item, View, Create, Patch]) handleDelete() web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		if err := res.remove(r.Context(), c.UserID, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/bizy-auth/bizy/internal/auth"
)

// AddEvent appends e to the log. An event id already stored gives an error
// matching auth.ErrConflict.
func (s *store) AddEvent(ctx context.Context, e auth.Event) error {
	var userID *string
	if e.UserID != "" {
		userID = &e.UserID
	}
	_, err := s.q.Exec(ctx, `INSERT INTO events
		(id, type, user_id, login_name, ip, user_agent, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.ID, e.Type, userID, e.LoginName, e.IP, e.UserAgent, e.Detail, e.CreatedAt)
	if isCode(err, codeUniqueViolation) {
		return fmt.Errorf("postgres: add event %q: %w", e.ID, auth.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("postgres: add event: %w", err)
	}
	return nil
}

// Events returns up to f.Limit events matching f, ordered by created_at then
// id, both descending, and the cursor of the next page ("" on the last one).
// Because the cursor holds both keys, events sharing a created_at are neither
// skipped nor repeated across pages. A limit outside 1..100 or a cursor this
// store did not issue gives an *auth.ValidationError.
func (s *store) Events(ctx context.Context, f auth.EventFilter) ([]auth.Event, string, error) {
	if f.Limit < 1 || f.Limit > 100 {
		return nil, "", &auth.ValidationError{Fields: map[string]string{"limit": "must be between 1 and 100"}}
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.UserID != "" {
		where = append(where, "user_id = "+arg(f.UserID))
	}
	if f.Type != "" {
		where = append(where, "type = "+arg(f.Type))
	}
	if f.IP != "" {
		where = append(where, "ip = "+arg(f.IP))
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= "+arg(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "created_at < "+arg(f.Until))
	}
	if f.Cursor != "" {
		at, id, err := auth.DecodeEventCursor(f.Cursor)
		if err != nil {
			return nil, "", &auth.ValidationError{Fields: map[string]string{"cursor": "invalid cursor"}}
		}
		// A row comparison can walk the (created_at, id) index.
		where = append(where, "(created_at, id) < ("+arg(at)+", "+arg(id)+")")
	}
	q := `SELECT id, type, coalesce(user_id, ''), login_name, ip, user_agent, detail, created_at FROM events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// One row more than asked tells whether a next page exists.
	q += " ORDER BY created_at DESC, id DESC LIMIT " + arg(f.Limit+1)

	rows, err := s.q.Query(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("postgres: events: %w", err)
	}
	defer rows.Close()
	var events []auth.Event
	for rows.Next() {
		var e auth.Event
		if err := rows.Scan(&e.ID, &e.Type, &e.UserID, &e.LoginName, &e.IP, &e.UserAgent,
			&e.Detail, &e.CreatedAt); err != nil {
			return nil, "", fmt.Errorf("postgres: events: %w", err)
		}
		e.CreatedAt = utc(e.CreatedAt)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("postgres: events: %w", err)
	}
	var next string
	if len(events) > f.Limit {
		events = events[:f.Limit]
		last := events[len(events)-1]
		next = auth.EncodeEventCursor(last.CreatedAt, last.ID)
	}
	return events, next, nil
}

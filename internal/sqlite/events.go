package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/bizy-auth/bizy/internal/auth"
)

// AddEvent appends e to the log. An event id already stored gives an error
// matching auth.ErrConflict.
func (s *store) AddEvent(ctx context.Context, e auth.Event) error {
	var userID sql.NullString
	if e.UserID != "" {
		userID = sql.NullString{String: e.UserID, Valid: true}
	}
	_, err := s.write.ExecContext(ctx, `INSERT INTO events
		(id, type, user_id, login_name, ip, user_agent, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Type, userID, e.LoginName, e.IP, e.UserAgent, e.Detail, toDB(e.CreatedAt))
	if isUnique(err) {
		return fmt.Errorf("sqlite: add event %q: %w", e.ID, auth.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: add event: %w", err)
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
	if f.UserID != "" {
		where, args = append(where, "user_id = ?"), append(args, f.UserID)
	}
	if f.Type != "" {
		where, args = append(where, "type = ?"), append(args, f.Type)
	}
	if f.IP != "" {
		where, args = append(where, "ip = ?"), append(args, f.IP)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, toDB(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, toDB(f.Until))
	}
	if f.Cursor != "" {
		at, id, err := auth.DecodeEventCursor(f.Cursor)
		if err != nil {
			return nil, "", &auth.ValidationError{Fields: map[string]string{"cursor": "invalid cursor"}}
		}
		// Row values compare lexicographically and SQLite can use the
		// (created_at, id) index for them.
		where, args = append(where, "(created_at, id) < (?, ?)"), append(args, toDB(at), id)
	}
	q := `SELECT id, type, user_id, login_name, ip, user_agent, detail, created_at FROM events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	// One row more than asked tells whether a next page exists.
	q += " ORDER BY created_at DESC, id DESC LIMIT ?"
	args = append(args, f.Limit+1)

	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: events: %w", err)
	}
	defer rows.Close()
	var events []auth.Event
	for rows.Next() {
		var e auth.Event
		var userID sql.NullString
		var created int64
		if err := rows.Scan(&e.ID, &e.Type, &userID, &e.LoginName, &e.IP, &e.UserAgent,
			&e.Detail, &created); err != nil {
			return nil, "", fmt.Errorf("sqlite: events: %w", err)
		}
		e.UserID, e.CreatedAt = userID.String, fromDB(created)
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: events: %w", err)
	}
	var next string
	if len(events) > f.Limit {
		events = events[:f.Limit]
		last := events[len(events)-1]
		next = auth.EncodeEventCursor(last.CreatedAt, last.ID)
	}
	return events, next, nil
}

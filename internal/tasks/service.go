package tasks

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/invalid"
	"github.com/google/uuid"
)

// Service applies the rules of tasks and goals over a Store. It is safe for
// concurrent use.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns a Service over store; now nil means time.Now.
func NewService(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now}
}

// Ping reports whether the store answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// Stats returns counts over every user.
func (s *Service) Stats(ctx context.Context) (Stats, error) { return s.store.Stats(ctx) }

// EraseUser deletes the tasks and goals of userID, deleted in the auth
// service (see Store.EraseUser): the first call, here or on another API
// copy sharing the database, returns Done true.
func (s *Service) EraseUser(ctx context.Context, userID string) (Erasure, error) {
	return s.store.EraseUser(ctx, userID, s.timestamp())
}

func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// checkText validates a required title and an optional description. Text
// with NUL or invalid UTF-8 is refused: PostgreSQL can't store it.
func checkText(ve *ValidationError, title, description string) {
	switch {
	case !input.Storable(title):
		ve.Add("title", notStorable)
	case strings.TrimSpace(title) == "":
		ve.Add("title", "is required")
	case utf8.RuneCountInString(title) > TitleMaxLen:
		ve.Add("title", "must be at most 200 characters")
	}
	switch {
	case !input.Storable(description):
		ve.Add("description", notStorable)
	case utf8.RuneCountInString(description) > DescriptionMaxLen:
		ve.Add("description", "must be at most 5000 characters")
	}
}

const notStorable = "must be valid UTF-8 without NUL characters"

// checkDate validates an optional YYYY-MM-DD date.
func checkDate(ve *ValidationError, field, date string) {
	if date == "" {
		return
	}
	// Year 0 parses but is no calendar date (PostgreSQL refuses it).
	if d, err := time.Parse(time.DateOnly, date); err != nil || d.Year() < 1 {
		ve.Add(field, "must be a date as YYYY-MM-DD")
	}
}

func checkOneOf(ve *ValidationError, field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	ve.Add(field, "must be one of "+strings.Join(allowed, ", "))
}

// Page limits and cursors. A cursor is the opaque form of the last id.

// CheckLimit validates a page size; 0 means DefaultPageSize.
func CheckLimit(limit int) (int, error) {
	if limit == 0 {
		return DefaultPageSize, nil
	}
	if limit < 1 || limit > MaxPageSize {
		return 0, invalid.Field("limit", "must be between 1 and 100")
	}
	return limit, nil
}

func encodeCursor(lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(lastID))
}

// pageArgs validates a page's limit and cursor and returns the limit and
// the id to start after.
func pageArgs(limit int, cursor string) (int, string, error) {
	limit, err := CheckLimit(limit)
	if err != nil {
		return 0, "", err
	}
	after, err := decodeCursor(cursor)
	if err != nil {
		return 0, "", err
	}
	return limit, after, nil
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !input.ValidID(string(b)) {
		return "", invalid.Field("cursor", "is not a cursor this API returned")
	}
	return string(b), nil
}

// page turns a store page into its next cursor.
func nextCursor(more bool, lastID string) string {
	if !more {
		return ""
	}
	return encodeCursor(lastID)
}

// ownGoal checks that goalID names one of userID's goals, in st.
func ownGoal(ctx context.Context, st Store, userID, goalID string) error {
	if goalID == "" {
		return nil
	}
	if !input.ValidID(goalID) {
		return invalid.Field("goal_id", "must be the id of one of your goals")
	}
	if _, err := st.Goal(ctx, userID, goalID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return invalid.Field("goal_id", "must be the id of one of your goals")
		}
		return err
	}
	return nil
}

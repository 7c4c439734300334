package apiserver

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// taskView is a task as the API shows it. Empty dates and goal ids are null,
// so a client can tell "none" from a value without knowing the empty-string
// convention of the domain. Times are timestamp strings.
type taskView struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	Priority    string  `json:"priority"`
	DueDate     *string `json:"due_date"`
	GoalID      *string `json:"goal_id"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

func newTaskView(t tasks.Task) taskView {
	return taskView{
		ID: t.ID, Title: t.Title, Description: t.Description, Status: t.Status, Priority: t.Priority,
		DueDate: nullable(t.DueDate), GoalID: nullable(t.GoalID),
		CreatedAt: timestamp(t.CreatedAt), UpdatedAt: timestamp(t.UpdatedAt),
	}
}

// goalView is a goal as the API shows it; target_date is null when unset.
type goalView struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Status      string  `json:"status"`
	TargetDate  *string `json:"target_date"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

func newGoalView(g tasks.Goal) goalView {
	return goalView{
		ID: g.ID, Title: g.Title, Description: g.Description, Status: g.Status,
		TargetDate: nullable(g.TargetDate), CreatedAt: timestamp(g.CreatedAt), UpdatedAt: timestamp(g.UpdatedAt),
	}
}

// timestamp is t in UTC as time.Time's MarshalJSON writes it (RFC 3339 with
// the fraction it has), made a string here: encoding/json writes a string
// field directly, while a time.Time goes through MarshalJSON and then a
// second pass that checks the JSON it returned, about half the cost of
// encoding a page of tasks.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// page is one page of a list. NextCursor is "" on the last page.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// newPage converts a page of domain values; Items is [] rather than null
// when empty.
func newPage[D, V any](ds []D, next string, view func(D) V) page[V] {
	p := page[V]{Items: make([]V, len(ds)), NextCursor: next}
	for i, d := range ds {
		p.Items[i] = view(d)
	}
	return p
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optionalString is a JSON string field of a PATCH body, which has three
// states a *string cannot tell apart: absent (leave it), null (clear it) and
// a value. encoding/json calls UnmarshalJSON for null too, and not at all
// for an absent field, so the zero value means absent.
type optionalString struct {
	Set   bool // the field was present, as a string or null
	Null  bool // the field was null
	Value string
}

// UnmarshalJSON records that the field was present and whether it was null.
func (o *optionalString) UnmarshalJSON(b []byte) error {
	*o = optionalString{Set: true}
	if bytes.Equal(b, []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// patch turns o into the domain's patch field: nil leaves the field as it
// is, and a pointer to "" clears it.
func (o optionalString) patch() *string {
	switch {
	case !o.Set:
		return nil
	case o.Null:
		return new(string)
	default:
		return &o.Value
	}
}

// notNull records, in errs, each named field that was sent as null although
// it cannot be cleared.
func notNull(errs map[string]string, fields map[string]optionalString) {
	for name, f := range fields {
		if f.Null {
			errs[name] = "must not be null"
		}
	}
}

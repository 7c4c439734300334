package sqlite

import (
	"strconv"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// TestTasksTextWithNUL checks that a page holding a text with NUL, which
// the service refuses but the table takes, still comes whole: such a row
// cannot be packed, so the page is read column by column.
func TestTasksTextWithNUL(t *testing.T) {
	s := openTasksTest(t).TasksStore()
	now := time.Date(2026, 12, 4, 17, 0, 0, 123000, time.UTC)
	want := []tasks.Task{
		{ID: "01a241f2-0000-7000-8000-000000000002", UserID: "u1", Title: "a\x00b", Description: "\x00",
			Status: tasks.StatusDone, Priority: tasks.PriorityLow, DueDate: "2030-01-02", CreatedAt: now, UpdatedAt: now},
		{ID: "01a241f2-0000-7000-8000-000000000001", UserID: "u1", Title: "plain",
			Status: tasks.StatusTodo, Priority: tasks.PriorityMedium, CreatedAt: now, UpdatedAt: now.Add(time.Second)},
	}
	for _, task := range want {
		if err := s.CreateTask(t.Context(), task); err != nil {
			t.Fatal(err)
		}
	}
	got, more, err := s.Tasks(t.Context(), "u1", tasks.TaskFilter{Limit: 5})
	if err != nil || more || len(got) != len(want) {
		t.Fatalf("Tasks = %d tasks, more %v, err %v; want %d", len(got), more, err, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("task %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestScanPackedTask checks the splitting of a packed row, and that a row
// with too few or too many fields is refused rather than misread.
func TestScanPackedTask(t *testing.T) {
	var task tasks.Task
	row := "id\x00ti tle\x00\x00todo\x00low\x00\x00g\x001764867600123456\x001764867600000000"
	if err := scanPackedTask(textRow(row), &task); err != nil {
		t.Fatal(err)
	}
	want := tasks.Task{ID: "id", Title: "ti tle", Status: "todo", Priority: "low", GoalID: "g",
		CreatedAt: fromDB(1764867600123456), UpdatedAt: fromDB(1764867600000000)}
	if task != want {
		t.Errorf("got %+v, want %+v", task, want)
	}
	for _, bad := range []string{"id\x00a\x00b", row + "\x00extra", "a\x00b\x00c\x00d\x00e\x00f\x00g\x00x\x001"} {
		if err := scanPackedTask(textRow(bad), &task); err == nil {
			t.Errorf("scanPackedTask(%q) = nil, want an error", bad)
		}
	}
}

// textRow is a row of one text column.
type textRow string

func (r textRow) Scan(dest ...any) error {
	*dest[0].(*string) = string(r)
	return nil
}

// TestParseMicros checks the fast parse against strconv.
func TestParseMicros(t *testing.T) {
	for _, s := range []string{"0", "7", "1764867600123456", "999999999999999999", "9223372036854775807",
		"-1", "-1764867600123456", "", "12a", "+5", "99999999999999999999", " 1"} {
		got, gotErr := parseMicros(s)
		want, wantErr := strconv.ParseInt(s, 10, 64)
		if got != want || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("parseMicros(%q) = %d, %v; want %d, %v", s, got, gotErr, want, wantErr)
		}
	}
}

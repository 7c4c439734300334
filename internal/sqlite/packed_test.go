package sqlite

import (
	"errors"
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

// TestUnpackTasks checks the splitting of a packed page, and that a page
// that does not split into its count of tasks by id descending is refused
// rather than misread.
func TestUnpackTasks(t *testing.T) {
	row1 := "id2\x00ti tle\x00\x00todo\x00low\x00\x00g\x001764867600123456\x001764867600000000"
	row2 := "id1\x00t\x00d\x00done\x00high\x002030-01-02\x00\x000\x001"
	ts, err := unpackTasks(row1+"\x00"+row2, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []tasks.Task{
		{ID: "id2", Title: "ti tle", Status: "todo", Priority: "low", GoalID: "g",
			CreatedAt: fromDB(1764867600123456), UpdatedAt: fromDB(1764867600000000)},
		{ID: "id1", Title: "t", Description: "d", Status: "done", Priority: "high", DueDate: "2030-01-02",
			CreatedAt: fromDB(0), UpdatedAt: fromDB(1)},
	}
	if len(ts) != 2 || ts[0] != want[0] || ts[1] != want[1] {
		t.Errorf("got %+v, want %+v", ts, want)
	}
	if ts, err := unpackTasks("", 0); err != nil || ts == nil || len(ts) != 0 {
		t.Errorf("empty page = %v, %v; want [], nil", ts, err)
	}
	// A title of nine NULs makes a whole extra task of fields, which the
	// count gives away.
	forged := "id3\x00a\x00id2b\x00x\x00todo\x00low\x00\x00\x001\x002\x00d\x00todo\x00low\x00\x00\x001\x002"
	for _, bad := range []struct {
		packed string
		n      int
	}{
		{row1, 2}, {row1 + "\x00" + row2, 1}, {row1 + "\x00" + row2, 3}, {row2 + "\x00" + row1, 2},
		{row1 + "\x00extra", 1}, {"id\x00a\x00b", 1}, {"", 1}, {row1, 0}, {forged, 1},
		{"a\x00b\x00c\x00d\x00e\x00f\x00g\x00x\x001", 1},
	} {
		if ts, err := unpackTasks(bad.packed, bad.n); !errors.Is(err, errUnpackable) {
			t.Errorf("unpackTasks(%q, %d) = %+v, %v; want errUnpackable", bad.packed, bad.n, ts, err)
		}
	}
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

package sqlite

import (
	"errors"
	"strconv"
	"strings"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// A page of tasks is read as one text column a row rather than nine.
// Reading a column through database/sql and modernc.org/sqlite costs far
// more than SQLite's own work for it: the driver asks its type, text and
// length, taking the connection's mutex for each (modernc opens every
// connection SQLITE_OPEN_FULLMUTEX), copies it into a new Go string, boxes
// it in an interface, and database/sql converts it into the destination.
// For a page of 20 tasks that was 189 columns, about a third of the
// request's instructions. SQLite joins the nine with NUL, which no text
// the service stores contains (input.Storable); a row whose text does
// (written around the service) makes the page read column by column.

// packedTaskColumns is taskColumns joined by NUL into one text.
const packedTaskColumns = `concat_ws(char(0), id, title, description, status, priority,
	COALESCE(due_date, ''), COALESCE(goal_id, ''), created_at, updated_at)`

// errUnpackable is a packed row that does not split into its columns.
var errUnpackable = errors.New("sqlite: packed row has a NUL in its text")

// scanPackedTask reads one row of packedTaskColumns into t; UserID is left
// to the caller. The fields share the row's one string.
func scanPackedTask(row scanner, t *tasks.Task) error {
	var packed string
	if err := row.Scan(&packed); err != nil {
		return err
	}
	var f [9]string
	rest := packed
	for i := range len(f) - 1 {
		j := strings.IndexByte(rest, 0)
		if j < 0 {
			return errUnpackable
		}
		f[i], rest = rest[:j], rest[j+1:]
	}
	if strings.IndexByte(rest, 0) >= 0 {
		return errUnpackable
	}
	f[8] = rest
	created, err := parseMicros(f[7])
	if err != nil {
		return err
	}
	updated, err := parseMicros(f[8])
	if err != nil {
		return err
	}
	*t = tasks.Task{ID: f[0], Title: f[1], Description: f[2], Status: f[3], Priority: f[4],
		DueDate: f[5], GoalID: f[6], CreatedAt: fromDB(created), UpdatedAt: fromDB(updated)}
	return nil
}

// parseMicros parses a stored time as SQLite wrote it in decimal. Up to 18
// digits, what every time from 1970 to year 33,000 takes, it adds digits
// without strconv's checks for overflow and signs, which cost as much
// again; anything else is strconv's.
func parseMicros(s string) (int64, error) {
	if len(s) == 0 || len(s) > 18 {
		return strconv.ParseInt(s, 10, 64)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return strconv.ParseInt(s, 10, 64)
		}
		n = n*10 + int64(c)
	}
	return n, nil
}

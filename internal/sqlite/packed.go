package sqlite

import (
	"errors"
	"strconv"
	"strings"

	"github.com/bizy-auth/bizy/internal/tasks"
)

// A page of tasks is read as one text: SQLite joins each row's nine
// columns with NUL, and the rows with NUL again (packedPage). Reading a
// column through database/sql and modernc.org/sqlite costs far more than
// SQLite's own work for it: the driver asks its type, text and length,
// taking the connection's mutex for each (modernc opens every connection
// SQLITE_OPEN_FULLMUTEX), copies it into a new Go string and boxes it in
// an interface, and database/sql converts it into the destination; each
// row is a step across the driver besides. A page of 20 tasks was 189
// columns in 21 steps, more than a third of the request's instructions.
// NUL is a safe separator because no text the service stores contains it
// (input.Storable); a page whose text does (written around the service)
// does not split into whole rows, and is read column by column instead.

// packedTaskColumns is taskColumns joined by NUL into one text.
const packedTaskColumns = `concat_ws(char(0), id, title, description, status, priority,
	COALESCE(due_date, ''), COALESCE(goal_id, ''), created_at, updated_at) AS p`

// packedTaskFields is how many fields a packed task has.
const packedTaskFields = 9

// packedPage wraps query, whose one column p is packed rows, into a query
// of one row: how many rows query gave, and the rows joined by NUL ("" for
// none). The rows come in query's order (its ORDER BY, which SQLite keeps
// for the aggregate of a subquery with a LIMIT); unpackTasks checks it.
func packedPage(query string) string {
	return `SELECT count(*), COALESCE(group_concat(p, char(0)), '') FROM (` + query + `)`
}

// errUnpackable is a packed page that does not split into whole rows.
var errUnpackable = errors.New("sqlite: packed page has a NUL in its text")

// unpackTasks splits a packed page of n tasks; UserID is left to the
// caller. The fields share the page's one string. It returns errUnpackable
// unless the page splits into exactly n tasks by id descending, as the
// query orders them: a NUL in a text adds a field, so a page holding one
// never passes for n whole tasks.
func unpackTasks(packed string, n int) ([]tasks.Task, error) {
	if packed == "" && n == 0 {
		return []tasks.Task{}, nil
	}
	ts := make([]tasks.Task, 0, n)
	var f [packedTaskFields]string
	for i := 0; ; i = (i + 1) % packedTaskFields {
		j := strings.IndexByte(packed, 0)
		if j < 0 {
			f[i] = packed
		} else {
			f[i], packed = packed[:j], packed[j+1:]
		}
		if i == packedTaskFields-1 {
			t, err := packedTask(&f)
			if err != nil {
				return nil, err
			}
			if len(ts) == n || len(ts) > 0 && ts[len(ts)-1].ID <= t.ID {
				return nil, errUnpackable
			}
			ts = append(ts, t)
		}
		if j < 0 {
			if i != packedTaskFields-1 || len(ts) != n {
				return nil, errUnpackable
			}
			return ts, nil
		}
	}
}

// packedTask makes a task of its packed fields.
func packedTask(f *[packedTaskFields]string) (tasks.Task, error) {
	created, err := parseMicros(f[7])
	if err != nil {
		return tasks.Task{}, errUnpackable
	}
	updated, err := parseMicros(f[8])
	if err != nil {
		return tasks.Task{}, errUnpackable
	}
	return tasks.Task{ID: f[0], Title: f[1], Description: f[2], Status: f[3], Priority: f[4],
		DueDate: f[5], GoalID: f[6], CreatedAt: fromDB(created), UpdatedAt: fromDB(updated)}, nil
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

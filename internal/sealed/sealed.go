// Package sealed is what the storage adapters share about the secrets they
// keep sealed at rest (internal/seal): which columns hold them, the context
// that binds each value to its row, and the checks and re-sealing that walk
// them. The adapters read and write the rows; this package decides.
package sealed

import (
	"fmt"

	"github.com/bizy-auth/bizy/internal/seal"
)

// Column is a column whose values are sealed at rest.
type Column struct {
	Table, Column string
	// Key is the column naming a row ("" means id); the row's value of it
	// is the id in the context that binds a secret to its row.
	Key string
	// Where selects the rows that hold a live secret ("" means all), in
	// SQL both engines read alike.
	Where string
	// Text is true for a text column, false for bytes (BLOB, bytea).
	Text bool
}

// pending is the outbox rows not yet sent nor parked: the others have had
// their bodies erased.
const pending = `sent_at IS NULL AND parked_at IS NULL`

// AuthColumns lists every secret the auth tables keep: the signing private
// keys, the bodies of pending mail, whose links carry live tokens, and the
// TOTP secrets of second factors.
var AuthColumns = []Column{
	{Table: "signing_keys", Column: "private_key"},
	{Table: "mfa_totp", Column: "secret", Key: "user_id"},
	{Table: "outbox", Column: "text_body", Where: pending, Text: true},
	{Table: "outbox", Column: "html_body", Where: pending, Text: true},
}

// Query returns the SELECT of (id, value) for the rows of c holding a
// value, in id order.
func (c Column) Query() string {
	where := `length(` + c.Column + `) > 0`
	if c.Where != "" {
		where += ` AND ` + c.Where
	}
	return `SELECT ` + c.KeyColumn() + `, ` + c.Column + ` FROM ` + c.Table + ` WHERE ` + where + ` ORDER BY ` + c.KeyColumn()
}

// KeyColumn returns the column naming c's rows.
func (c Column) KeyColumn() string {
	if c.Key == "" {
		return "id"
	}
	return c.Key
}

// context binds a sealed value to its table, column and row, so a value
// copied elsewhere does not open.
func context(table, column, id string) string {
	return table + "." + column + ":" + id
}

// Seal seals v for row id of table.column; a nil box, or an empty v, gives
// v unchanged.
func Seal(box *seal.Box, v []byte, table, column, id string) []byte {
	if len(v) == 0 {
		return v
	}
	return box.Seal(v, context(table, column, id))
}

// SealText is Seal for a text column.
func SealText(box *seal.Box, v, table, column, id string) string {
	return string(Seal(box, []byte(v), table, column, id))
}

// Open opens what Seal made for the same row, or returns plaintext as it
// is. Its error names the row and the key the value needs, and wraps
// seal.ErrUnknownKey or seal.ErrCorrupt.
func Open(box *seal.Box, v []byte, table, column, id string) ([]byte, error) {
	pt, err := box.Open(v, context(table, column, id))
	if err != nil {
		kid, _ := seal.SealedKeyID(v)
		return nil, fmt.Errorf("%s.%s of %s, sealed under key %s: %w", table, column, id, kid, err)
	}
	return pt, nil
}

// OpenText is Open for a text column.
func OpenText(box *seal.Box, v, table, column, id string) (string, error) {
	pt, err := Open(box, []byte(v), table, column, id)
	return string(pt), err
}

// Row is one stored value of a sealed column.
type Row struct {
	Column
	ID    string
	Value []byte
}

// Arg returns v as the adapter should write it into r's column.
func (r Row) Arg(v []byte) any {
	if r.Text {
		return string(v)
	}
	return v
}

// Check opens every row with box and returns how many need resealing
// (sealed under an old key, or plaintext while box has a key). Its error is
// Open's, for the first row that does not open.
func Check(box *seal.Box, rows []Row) (int, error) {
	stale := 0
	for _, r := range rows {
		if _, err := Open(box, r.Value, r.Table, r.Column.Column, r.ID); err != nil {
			return 0, err
		}
		if box.NeedsReseal(r.Value) {
			stale++
		}
	}
	return stale, nil
}

// Reseal returns the rows that need resealing with their values sealed
// again under box's current key, or Open's error for a row that does not
// open. A nil box gives none.
func Reseal(box *seal.Box, rows []Row) ([]Row, error) {
	var out []Row
	for _, r := range rows {
		if !box.NeedsReseal(r.Value) {
			continue
		}
		pt, err := Open(box, r.Value, r.Table, r.Column.Column, r.ID)
		if err != nil {
			return nil, err
		}
		r.Value = Seal(box, pt, r.Table, r.Column.Column, r.ID)
		out = append(out, r)
	}
	return out, nil
}

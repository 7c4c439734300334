package auth

import (
	"context"
	"time"
)

// DeletionWindow is how far back the deletions feed reaches for a reader
// that starts without a cursor (an API copy starting up). Every API copy
// shares one tasks database and erasing is done once for all, so this
// only matters if every copy was down for that long. The rows (an id and
// a time each) are kept; the feed just stops reading past this.
const DeletionWindow = 30 * 24 * time.Hour

// UserDeletions returns the users deleted from cursor on ("" for those of
// the last DeletionWindow) and the cursor to call with next: the feed from
// which the API learns whose tasks and goals to erase. A full page (1,000)
// means more follow at once. Like Revocations, a caught-up cursor looks a
// little way back, since a deletion is stamped before it commits; repeats
// are harmless, erasing is idempotent.
func (s *Service) UserDeletions(ctx context.Context, cursor string) ([]UserDeletion, string, error) {
	now := s.now().UTC()
	since, afterAt, afterID, err := feedPosition(cursor, now.Add(-DeletionWindow))
	if err != nil {
		return nil, "", err
	}
	rows, err := s.store.UserDeletions(ctx, since, afterAt, afterID, revocationPage)
	if err != nil {
		return nil, "", err
	}
	if len(rows) == revocationPage {
		last := rows[len(rows)-1]
		return rows, encodeRevocationCursor(last.At, last.UserID), nil
	}
	if rows == nil {
		rows = []UserDeletion{}
	}
	return rows, encodeRevocationCursor(now.Add(-revocationOverlap), ""), nil
}

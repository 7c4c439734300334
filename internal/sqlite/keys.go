package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
)

// AddSigningKey stores k and, in the same transaction, retires at k.CreatedAt
// every unretired key of k's algorithm created no later than k. A kid already stored gives an
// error matching auth.ErrConflict.
func (s *store) AddSigningKey(ctx context.Context, k auth.SigningKey) error {
	return s.withTx(ctx, func(s *store) error {
		_, err := s.write.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ?
			WHERE retired_at IS NULL AND created_at <= ? AND algorithm = ?`,
			toDB(k.CreatedAt), toDB(k.CreatedAt), k.Algorithm)
		if err != nil {
			return fmt.Errorf("sqlite: retire signing keys: %w", err)
		}
		_, err = s.write.ExecContext(ctx, `INSERT INTO signing_keys
			(id, algorithm, private_key, public_key, created_at, retired_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			k.ID, k.Algorithm, nonNil(k.PrivateKey), nonNil(k.PublicKey),
			toDB(k.CreatedAt), toNullDB(k.RetiredAt))
		if isUnique(err) {
			return fmt.Errorf("sqlite: add signing key %q: %w", k.ID, auth.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("sqlite: add signing key: %w", err)
		}
		return nil
	})
}

// SigningKeys returns the keys unretired or retired at or after since, newest
// first.
func (s *store) SigningKeys(ctx context.Context, since time.Time) ([]auth.SigningKey, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, algorithm, private_key, public_key,
		created_at, retired_at FROM signing_keys
		WHERE retired_at IS NULL OR retired_at >= ?
		ORDER BY created_at DESC, id DESC`, toDB(since))
	if err != nil {
		return nil, fmt.Errorf("sqlite: signing keys: %w", err)
	}
	defer rows.Close()
	var keys []auth.SigningKey
	for rows.Next() {
		var k auth.SigningKey
		var created int64
		var retired sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey, &created, &retired); err != nil {
			return nil, fmt.Errorf("sqlite: signing keys: %w", err)
		}
		k.CreatedAt, k.RetiredAt = fromDB(created), fromNullDB(retired)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: signing keys: %w", err)
	}
	return keys, nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/sealed"
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
			k.ID, k.Algorithm, nonNil(sealed.Seal(s.db.box, k.PrivateKey, "signing_keys", "private_key", k.ID)), nonNil(k.PublicKey),
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
		WHERE (retired_at IS NULL OR retired_at >= ?) AND revoked_at IS NULL
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
		if k.PrivateKey, err = sealed.Open(s.db.box, k.PrivateKey, "signing_keys", "private_key", k.ID); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: signing keys: %w", err)
	}
	return keys, nil
}

// RevokeSigningKey marks key kid revoked and retired at now, unless it is
// revoked already, and erases its private key. ErrNotFound for an unknown
// kid.
func (s *store) RevokeSigningKey(ctx context.Context, kid string, now time.Time) error {
	res, err := s.write.ExecContext(ctx, `UPDATE signing_keys
		SET revoked_at = coalesce(revoked_at, ?1), retired_at = coalesce(retired_at, ?1), private_key = x''
		WHERE id = ?2`, toDB(now), kid)
	if err != nil {
		return fmt.Errorf("sqlite: revoke signing key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(fmt.Errorf("sqlite: revoke signing key %q: %w", kid, auth.ErrNotFound), err)
	}
	return nil
}

// RevokedKeys returns the kids of the revoked keys, oldest revocation first.
func (s *store) RevokedKeys(ctx context.Context) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM signing_keys
		WHERE revoked_at IS NOT NULL ORDER BY revoked_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: revoked keys: %w", err)
	}
	defer rows.Close()
	var kids []string
	for rows.Next() {
		var kid string
		if err := rows.Scan(&kid); err != nil {
			return nil, fmt.Errorf("sqlite: revoked keys: %w", err)
		}
		kids = append(kids, kid)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: revoked keys: %w", err)
	}
	return kids, nil
}

package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/sealed"
)

// AddSigningKey stores k and, in the same transaction, retires at k.CreatedAt
// every unretired key of k's algorithm created no later than k. A kid already stored gives an
// error matching auth.ErrConflict.
func (s *store) AddSigningKey(ctx context.Context, k auth.SigningKey) error {
	return s.withTx(ctx, func(s *store) error {
		// Under READ COMMITTED two replicas rotating at once would each miss
		// the other's new key and leave both signing; the table lock (which
		// only blocks other writers, and rotation is rare) serialises them.
		if _, err := s.q.Exec(ctx, `LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("postgres: add signing key: %w", err)
		}
		_, err := s.q.Exec(ctx, `UPDATE signing_keys SET retired_at = $1
			WHERE retired_at IS NULL AND created_at <= $1 AND algorithm = $2`, k.CreatedAt, k.Algorithm)
		if err != nil {
			return fmt.Errorf("postgres: retire signing keys: %w", err)
		}
		_, err = s.q.Exec(ctx, `INSERT INTO signing_keys
			(id, algorithm, private_key, public_key, created_at, retired_at)
			VALUES ($1, $2, $3, $4, $5, $6)`,
			k.ID, k.Algorithm, nonNil(sealed.Seal(s.db.box, k.PrivateKey, "signing_keys", "private_key", k.ID)), nonNil(k.PublicKey),
			k.CreatedAt, nullTime(k.RetiredAt))
		if isCode(err, codeUniqueViolation) {
			return fmt.Errorf("postgres: add signing key %q: %w", k.ID, auth.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("postgres: add signing key: %w", err)
		}
		return nil
	})
}

// SigningKeys returns the keys unretired or retired at or after since, newest
// first.
func (s *store) SigningKeys(ctx context.Context, since time.Time) ([]auth.SigningKey, error) {
	rows, err := s.q.Query(ctx, `SELECT id, algorithm, private_key, public_key,
		created_at, retired_at FROM signing_keys
		WHERE (retired_at IS NULL OR retired_at >= $1) AND revoked_at IS NULL
		ORDER BY created_at DESC, id DESC`, since)
	if err != nil {
		return nil, fmt.Errorf("postgres: signing keys: %w", err)
	}
	defer rows.Close()
	var keys []auth.SigningKey
	for rows.Next() {
		var k auth.SigningKey
		var retired *time.Time
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.PrivateKey, &k.PublicKey, &k.CreatedAt, &retired); err != nil {
			return nil, fmt.Errorf("postgres: signing keys: %w", err)
		}
		k.CreatedAt, k.RetiredAt = utc(k.CreatedAt), fromNullTime(retired)
		if k.PrivateKey, err = sealed.Open(s.db.box, k.PrivateKey, "signing_keys", "private_key", k.ID); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: signing keys: %w", err)
	}
	return keys, nil
}

// RevokeSigningKey marks key kid revoked and retired at now, unless it is
// revoked already, and erases its private key. ErrNotFound for an unknown
// kid.
func (s *store) RevokeSigningKey(ctx context.Context, kid string, now time.Time) error {
	tag, err := s.q.Exec(ctx, `UPDATE signing_keys
		SET revoked_at = coalesce(revoked_at, $1), retired_at = coalesce(retired_at, $1), private_key = ''::bytea
		WHERE id = $2`, now, kid)
	if err != nil {
		return fmt.Errorf("postgres: revoke signing key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: revoke signing key %q: %w", kid, auth.ErrNotFound)
	}
	return nil
}

// RevokedKeys returns the kids of the revoked keys, oldest revocation first.
func (s *store) RevokedKeys(ctx context.Context) ([]string, error) {
	rows, err := s.q.Query(ctx, `SELECT id FROM signing_keys
		WHERE revoked_at IS NOT NULL ORDER BY revoked_at, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: revoked keys: %w", err)
	}
	kids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("postgres: revoked keys: %w", err)
	}
	return kids, nil
}

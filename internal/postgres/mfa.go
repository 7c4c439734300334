package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bizy-auth/bizy/internal/auth"
)

// PutTOTP stores t as its user's TOTP, replacing any other.
func (s *store) PutTOTP(ctx context.Context, t auth.TOTP) error {
	_, err := s.q.Exec(ctx, `INSERT INTO mfa_totp (user_id, secret, confirmed_at, last_step, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret,
		confirmed_at = excluded.confirmed_at, last_step = excluded.last_step, created_at = excluded.created_at`,
		t.UserID, nonNil(t.Secret), nullTime(t.ConfirmedAt), t.LastStep, t.CreatedAt)
	if isCode(err, codeForeignKeyViolation) {
		return fmt.Errorf("postgres: put totp: user %q: %w", t.UserID, auth.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: put totp: %w", err)
	}
	return nil
}

// TOTP returns userID's TOTP, or auth.ErrNotFound.
func (s *store) TOTP(ctx context.Context, userID string) (auth.TOTP, error) {
	t := auth.TOTP{UserID: userID}
	var confirmed *time.Time
	var created time.Time
	err := s.q.QueryRow(ctx, `SELECT secret, confirmed_at, last_step, created_at
		FROM mfa_totp WHERE user_id = $1`, userID).Scan(&t.Secret, &confirmed, &t.LastStep, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.TOTP{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.TOTP{}, fmt.Errorf("postgres: totp: %w", err)
	}
	t.ConfirmedAt, t.CreatedAt = fromNullTime(confirmed), utc(created)
	return t, nil
}

// ConfirmTOTP marks userID's TOTP confirmed.
func (s *store) ConfirmTOTP(ctx context.Context, userID string, step int64, now time.Time) error {
	return s.execOne(ctx, "confirm totp", `UPDATE mfa_totp SET confirmed_at = $1, last_step = $2 WHERE user_id = $3`,
		now, step, userID)
}

// UseTOTPStep moves userID's last used step forward to step, or fails.
func (s *store) UseTOTPStep(ctx context.Context, userID string, step int64) error {
	return s.execOne(ctx, "use totp step", `UPDATE mfa_totp SET last_step = $1
		WHERE user_id = $2 AND confirmed_at IS NOT NULL AND last_step < $3`, step, userID, step)
}

// DeleteTOTP removes userID's TOTP and recovery codes.
func (s *store) DeleteTOTP(ctx context.Context, userID string) error {
	return s.withTx(ctx, func(ts *store) error {
		if _, err := ts.q.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("postgres: delete recovery codes: %w", err)
		}
		return ts.execOne(ctx, "delete totp", `DELETE FROM mfa_totp WHERE user_id = $1`, userID)
	})
}

// ReplaceRecoveryCodes makes hashes userID's only recovery codes.
func (s *store) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes [][]byte, now time.Time) error {
	return s.withTx(ctx, func(ts *store) error {
		if _, err := ts.q.Exec(ctx, `DELETE FROM mfa_recovery_codes WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("postgres: replace recovery codes: %w", err)
		}
		for _, h := range hashes {
			_, err := ts.q.Exec(ctx, `INSERT INTO mfa_recovery_codes (user_id, hash, created_at)
				VALUES ($1, $2, $3)`, userID, nonNil(h), now)
			if isCode(err, codeForeignKeyViolation) {
				return fmt.Errorf("postgres: replace recovery codes: user %q: %w", userID, auth.ErrNotFound)
			}
			if err != nil {
				return fmt.Errorf("postgres: replace recovery codes: %w", err)
			}
		}
		return nil
	})
}

// UseRecoveryCode marks one unused code used.
func (s *store) UseRecoveryCode(ctx context.Context, userID string, hash []byte, now time.Time) error {
	return s.execOne(ctx, "use recovery code", `UPDATE mfa_recovery_codes SET used_at = $1
		WHERE user_id = $2 AND hash = $3 AND used_at IS NULL`, now, userID, nonNil(hash))
}

// RecoveryCodesLeft counts userID's unused recovery codes.
func (s *store) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.q.QueryRow(ctx, `SELECT count(*) FROM mfa_recovery_codes
		WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: recovery codes left: %w", err)
	}
	return n, nil
}

// CreatePasskey stores p.
func (s *store) CreatePasskey(ctx context.Context, p auth.Passkey) error {
	_, err := s.q.Exec(ctx, `INSERT INTO passkeys (id, user_id, name, credential_id, public_key,
		attestation, aaguid, sign_count, backup_eligible, backup_state, transports, created_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		p.ID, p.UserID, p.Name, nonNil(p.CredentialID), nonNil(p.PublicKey), p.Attestation, nonNil(p.AAGUID),
		int64(p.SignCount), p.BackupEligible, p.BackupState, strings.Join(p.Transports, ","),
		p.CreatedAt, nullTime(p.LastUsedAt))
	switch {
	case isCode(err, codeUniqueViolation):
		return fmt.Errorf("postgres: create passkey: %w", auth.ErrConflict)
	case isCode(err, codeForeignKeyViolation):
		return fmt.Errorf("postgres: create passkey: user %q: %w", p.UserID, auth.ErrNotFound)
	case err != nil:
		return fmt.Errorf("postgres: create passkey: %w", err)
	}
	return nil
}

const passkeyColumns = `id, user_id, name, credential_id, public_key, attestation, aaguid,
	sign_count, backup_eligible, backup_state, transports, created_at, last_used_at`

func scanPasskey(row interface{ Scan(...any) error }) (auth.Passkey, error) {
	var p auth.Passkey
	var count int64
	var created time.Time
	var transports string
	var used *time.Time
	err := row.Scan(&p.ID, &p.UserID, &p.Name, &p.CredentialID, &p.PublicKey, &p.Attestation, &p.AAGUID,
		&count, &p.BackupEligible, &p.BackupState, &transports, &created, &used)
	if err != nil {
		return auth.Passkey{}, err
	}
	p.SignCount, p.CreatedAt, p.LastUsedAt = uint32(count), utc(created), fromNullTime(used)
	if transports != "" {
		p.Transports = strings.Split(transports, ",")
	}
	return p, nil
}

// Passkeys returns userID's passkeys, oldest first.
func (s *store) Passkeys(ctx context.Context, userID string) ([]auth.Passkey, error) {
	rows, err := s.q.Query(ctx, `SELECT `+passkeyColumns+` FROM passkeys
		WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("postgres: passkeys: %w", err)
	}
	defer rows.Close()
	var out []auth.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: passkeys: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: passkeys: %w", err)
	}
	return out, nil
}

// PasskeyByCredentialID returns the passkey with credentialID.
func (s *store) PasskeyByCredentialID(ctx context.Context, credentialID []byte) (auth.Passkey, error) {
	p, err := scanPasskey(s.q.QueryRow(ctx, `SELECT `+passkeyColumns+` FROM passkeys
		WHERE credential_id = $1`, nonNil(credentialID)))
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.Passkey{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.Passkey{}, fmt.Errorf("postgres: passkey: %w", err)
	}
	return p, nil
}

// UsePasskey records a sign-in with passkey id.
func (s *store) UsePasskey(ctx context.Context, id string, signCount uint32, backupState bool, now time.Time) error {
	return s.execOne(ctx, "use passkey", `UPDATE passkeys SET sign_count = $1, backup_state = $2, last_used_at = $3
		WHERE id = $4`, int64(signCount), backupState, now, id)
}

// DeletePasskey removes userID's passkey id.
func (s *store) DeletePasskey(ctx context.Context, userID, id string) error {
	return s.execOne(ctx, "delete passkey", `DELETE FROM passkeys WHERE id = $1 AND user_id = $2`, id, userID)
}

// DeleteUserMFA removes every factor of userID.
func (s *store) DeleteUserMFA(ctx context.Context, userID string) (bool, error) {
	var n int64
	err := s.withTx(ctx, func(ts *store) error {
		for _, table := range []string{"mfa_totp", "mfa_recovery_codes", "passkeys"} {
			res, err := ts.q.Exec(ctx, `DELETE FROM `+table+` WHERE user_id = $1`, userID)
			if err != nil {
				return fmt.Errorf("postgres: delete user mfa: %w", err)
			}
			n += res.RowsAffected()
		}
		return nil
	})
	return n > 0, err
}

// CreateMFAFlow stores f and forgets expired flows.
func (s *store) CreateMFAFlow(ctx context.Context, f auth.MFAFlow) error {
	return s.withTx(ctx, func(ts *store) error {
		if _, err := ts.q.Exec(ctx, `DELETE FROM mfa_flows WHERE expires_at < $1`, f.CreatedAt); err != nil {
			return fmt.Errorf("postgres: create mfa flow: %w", err)
		}
		_, err := ts.q.Exec(ctx, `INSERT INTO mfa_flows (hash, kind, user_id, login_name, data,
			failures, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			nonNil(f.Hash), f.Kind, f.UserID, f.LoginName, nonNil(f.Data), f.Failures, f.CreatedAt, f.ExpiresAt)
		if isCode(err, codeUniqueViolation) {
			return fmt.Errorf("postgres: create mfa flow: %w", auth.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("postgres: create mfa flow: %w", err)
		}
		return nil
	})
}

// MFAFlow returns a live flow of kind with hash.
func (s *store) MFAFlow(ctx context.Context, hash []byte, kind string, now time.Time) (auth.MFAFlow, error) {
	f := auth.MFAFlow{Kind: kind}
	var created, expires time.Time
	err := s.q.QueryRow(ctx, `SELECT hash, user_id, login_name, data, failures, created_at, expires_at
		FROM mfa_flows WHERE hash = $1 AND kind = $2 AND expires_at > $3`, nonNil(hash), kind, now).
		Scan(&f.Hash, &f.UserID, &f.LoginName, &f.Data, &f.Failures, &created, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return auth.MFAFlow{}, auth.ErrNotFound
	}
	if err != nil {
		return auth.MFAFlow{}, fmt.Errorf("postgres: mfa flow: %w", err)
	}
	f.CreatedAt, f.ExpiresAt = utc(created), utc(expires)
	return f, nil
}

// FailMFAFlow counts a wrong code, deleting the flow at max.
func (s *store) FailMFAFlow(ctx context.Context, hash []byte, max int) (int, error) {
	var n int
	err := s.withTx(ctx, func(ts *store) error {
		err := ts.q.QueryRow(ctx, `UPDATE mfa_flows SET failures = failures + 1
			WHERE hash = $1 RETURNING failures`, nonNil(hash)).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return auth.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("postgres: fail mfa flow: %w", err)
		}
		if n >= max {
			if _, err := ts.q.Exec(ctx, `DELETE FROM mfa_flows WHERE hash = $1`, nonNil(hash)); err != nil {
				return fmt.Errorf("postgres: fail mfa flow: %w", err)
			}
		}
		return nil
	})
	return n, err
}

// DeleteMFAFlow deletes the flow with hash.
func (s *store) DeleteMFAFlow(ctx context.Context, hash []byte) error {
	return s.execOne(ctx, "delete mfa flow", `DELETE FROM mfa_flows WHERE hash = $1`, nonNil(hash))
}

// SetSessionAMR records how session id was signed in.
func (s *store) SetSessionAMR(ctx context.Context, id string, amr []string) error {
	_, err := s.q.Exec(ctx, `INSERT INTO session_amr (session_id, amr) VALUES ($1, $2)
		ON CONFLICT (session_id) DO UPDATE SET amr = excluded.amr`, id, strings.Join(amr, " "))
	if isCode(err, codeForeignKeyViolation) {
		return fmt.Errorf("postgres: set session amr: session %q: %w", id, auth.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("postgres: set session amr: %w", err)
	}
	return nil
}

// SessionAMR returns what SetSessionAMR recorded for session id, or nil.
func (s *store) SessionAMR(ctx context.Context, id string) ([]string, error) {
	var amr string
	err := s.q.QueryRow(ctx, `SELECT amr FROM session_amr WHERE session_id = $1`, id).Scan(&amr)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: session amr: %w", err)
	}
	return strings.Fields(amr), nil
}

// execOne runs a statement that must change exactly one row; none is
// auth.ErrNotFound.
func (s *store) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := s.q.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("postgres: %s: %w", what, err)
	}
	if res.RowsAffected() == 0 {
		return auth.ErrNotFound
	}
	return nil
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/oidc"
)

// OIDCStore returns the oidc.Store kept in this database. MigrateAuth must
// have run. The store is safe for concurrent use.
func (db *DB) OIDCStore() oidc.Store { return oidcStore{db} }

// oidcStore implements oidc.Store; each method is one statement, so it
// needs no transaction of its own.
type oidcStore struct{ db *DB }

// notFound turns sql.ErrNoRows into auth.ErrNotFound.
func notFound(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", what, auth.ErrNotFound)
	}
	return fmt.Errorf("sqlite: %s: %w", what, err)
}

// affected answers auth.ErrNotFound when res changed no row.
func affected(what string, res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("sqlite: %s: %w", what, auth.ErrNotFound)
	}
	return nil
}

func (s oidcStore) CreateClient(ctx context.Context, c oidc.Client) error {
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO oidc_clients
		(id, name, secret_hash, redirect_uris, public, first_party, created_at, id_token_alg) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.SecretHash, strings.Join(c.RedirectURIs, "\n"), c.Public, c.FirstParty, toDB(c.CreatedAt), c.IDTokenAlg)
	if isUnique(err) {
		return fmt.Errorf("sqlite: create client: %w", auth.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("sqlite: create client: %w", err)
	}
	return nil
}

const clientColumns = `id, name, secret_hash, redirect_uris, public, first_party, created_at, id_token_alg`

func scanClient(sc interface{ Scan(...any) error }) (oidc.Client, error) {
	var c oidc.Client
	var uris string
	var created int64
	if err := sc.Scan(&c.ID, &c.Name, &c.SecretHash, &uris, &c.Public, &c.FirstParty, &created, &c.IDTokenAlg); err != nil {
		return oidc.Client{}, err
	}
	c.RedirectURIs, c.CreatedAt = strings.Split(uris, "\n"), fromDB(created)
	return c, nil
}

func (s oidcStore) Client(ctx context.Context, id string) (oidc.Client, error) {
	c, err := scanClient(s.db.read.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients WHERE id = ?`, id))
	if err != nil {
		return oidc.Client{}, notFound("client", err)
	}
	return c, nil
}

func (s oidcStore) Clients(ctx context.Context) ([]oidc.Client, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+clientColumns+` FROM oidc_clients ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: clients: %w", err)
	}
	defer rows.Close()
	var out []oidc.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: clients: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s oidcStore) DeleteClient(ctx context.Context, id string) error {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM oidc_clients WHERE id = ?`, id)
	return affected("delete client", res, err)
}

func (s oidcStore) CreateAuthRequest(ctx context.Context, r oidc.AuthRequest) error {
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO oidc_auth_requests (id, client_id, data, created_at)
		VALUES (?, ?, ?, ?)`, r.ID, r.ClientID, r.Data, toDB(r.CreatedAt))
	switch {
	case isForeignKey(err):
		return fmt.Errorf("sqlite: create auth request: client %q: %w", r.ClientID, auth.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: create auth request: %w", err)
	}
	return nil
}

const requestColumns = `id, client_id, data, code_hash, created_at, code_at, code_used_at, coalesce(issued_sid, '')`

func scanRequest(sc interface{ Scan(...any) error }) (oidc.AuthRequest, error) {
	var r oidc.AuthRequest
	var created int64
	var codeAt, usedAt sql.NullInt64
	if err := sc.Scan(&r.ID, &r.ClientID, &r.Data, &r.CodeHash, &created, &codeAt, &usedAt, &r.IssuedSID); err != nil {
		return oidc.AuthRequest{}, err
	}
	r.CreatedAt, r.CodeAt, r.CodeUsedAt = fromDB(created), fromNullDB(codeAt), fromNullDB(usedAt)
	return r, nil
}

func (s oidcStore) AuthRequest(ctx context.Context, id string) (oidc.AuthRequest, error) {
	r, err := scanRequest(s.db.read.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM oidc_auth_requests WHERE id = ?`, id))
	if err != nil {
		return oidc.AuthRequest{}, notFound("auth request", err)
	}
	return r, nil
}

func (s oidcStore) AuthRequestByCode(ctx context.Context, hash []byte) (oidc.AuthRequest, error) {
	r, err := scanRequest(s.db.read.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM oidc_auth_requests WHERE code_hash = ?`, hash))
	if err != nil {
		return oidc.AuthRequest{}, notFound("auth request by code", err)
	}
	return r, nil
}

func (s oidcStore) UpdateAuthRequestData(ctx context.Context, id string, data []byte) error {
	res, err := s.db.write.ExecContext(ctx, `UPDATE oidc_auth_requests SET data = ? WHERE id = ?`, data, id)
	return affected("update auth request", res, err)
}

func (s oidcStore) SetCode(ctx context.Context, id string, hash []byte, at time.Time) error {
	res, err := s.db.write.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_hash = ?, code_at = ?
		WHERE id = ? AND code_hash IS NULL`, hash, toDB(at), id)
	return affected("set code", res, err)
}

func (s oidcStore) ClaimCode(ctx context.Context, id string, now time.Time) (bool, error) {
	res, err := s.db.write.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_used_at = ?
		WHERE id = ? AND code_used_at IS NULL`, toDB(now), id)
	if err != nil {
		return false, fmt.Errorf("sqlite: claim code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s oidcStore) FlagCodeReused(ctx context.Context, id string) (string, error) {
	var sid string
	err := s.db.write.QueryRowContext(ctx, `UPDATE oidc_auth_requests SET code_reused = 1
		WHERE id = ? RETURNING coalesce(issued_sid, '')`, id).Scan(&sid)
	if err != nil {
		return "", notFound("flag code reused", err)
	}
	return sid, nil
}

func (s oidcStore) SetIssuedSession(ctx context.Context, id, sid string) (bool, error) {
	var reused bool
	err := s.db.write.QueryRowContext(ctx, `UPDATE oidc_auth_requests SET issued_sid = ?
		WHERE id = ? RETURNING code_reused`, sid, id).Scan(&reused)
	if err != nil {
		return false, notFound("set issued session", err)
	}
	return reused, nil
}

func (s oidcStore) DeleteAuthRequestsBefore(ctx context.Context, t time.Time) error {
	_, err := s.db.write.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE created_at < ?`, toDB(t))
	if err != nil {
		return fmt.Errorf("sqlite: delete auth requests: %w", err)
	}
	return nil
}

func (s oidcStore) CreateGrant(ctx context.Context, g oidc.Grant) error {
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO oidc_grants
		(session_id, client_id, user_id, scopes, auth_time, amr) VALUES (?, ?, ?, ?, ?, ?)`,
		g.SessionID, g.ClientID, g.UserID, strings.Join(g.Scopes, " "), toDB(g.AuthTime), strings.Join(g.AMR, " "))
	switch {
	case isUnique(err):
		return fmt.Errorf("sqlite: create grant: %w", auth.ErrConflict)
	case isForeignKey(err):
		return fmt.Errorf("sqlite: create grant: %w", auth.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: create grant: %w", err)
	}
	return nil
}

const grantColumns = `session_id, client_id, user_id, scopes, auth_time, amr`

func scanGrant(sc interface{ Scan(...any) error }) (oidc.Grant, error) {
	var g oidc.Grant
	var scopes, amr string
	var at int64
	if err := sc.Scan(&g.SessionID, &g.ClientID, &g.UserID, &scopes, &at, &amr); err != nil {
		return oidc.Grant{}, err
	}
	g.Scopes, g.AuthTime, g.AMR = strings.Fields(scopes), fromDB(at), strings.Fields(amr)
	return g, nil
}

func (s oidcStore) Grant(ctx context.Context, sid string) (oidc.Grant, error) {
	g, err := scanGrant(s.db.read.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM oidc_grants WHERE session_id = ?`, sid))
	if err != nil {
		return oidc.Grant{}, notFound("grant", err)
	}
	return g, nil
}

func (s oidcStore) GrantSessions(ctx context.Context, userID, clientID string) ([]string, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT session_id FROM oidc_grants
		WHERE user_id = ? AND (? = '' OR client_id = ?) ORDER BY session_id`, userID, clientID, clientID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: grant sessions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sid string
		if err := rows.Scan(&sid); err != nil {
			return nil, fmt.Errorf("sqlite: grant sessions: %w", err)
		}
		out = append(out, sid)
	}
	return out, rows.Err()
}

func (s oidcStore) ClientGrants(ctx context.Context, clientID string) ([]oidc.Grant, error) {
	return s.grantsWhere(ctx, "client_id", clientID)
}

func (s oidcStore) UserGrants(ctx context.Context, userID string) ([]oidc.Grant, error) {
	return s.grantsWhere(ctx, "user_id", userID)
}

// grantsWhere returns the grants whose column (a constant of the caller's)
// equals v.
func (s oidcStore) grantsWhere(ctx context.Context, column, v string) ([]oidc.Grant, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+grantColumns+` FROM oidc_grants WHERE `+column+` = ? ORDER BY session_id`, v)
	if err != nil {
		return nil, fmt.Errorf("sqlite: grants: %w", err)
	}
	defer rows.Close()
	var out []oidc.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: grants: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (s oidcStore) SaveConsent(ctx context.Context, c oidc.Consent) error {
	_, err := s.db.write.ExecContext(ctx, `INSERT INTO oidc_consents (user_id, client_id, scopes, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, created_at = excluded.created_at`,
		c.UserID, c.ClientID, strings.Join(c.Scopes, " "), toDB(c.CreatedAt))
	switch {
	case isForeignKey(err):
		return fmt.Errorf("sqlite: save consent: %w", auth.ErrNotFound)
	case err != nil:
		return fmt.Errorf("sqlite: save consent: %w", err)
	}
	return nil
}

const consentColumns = `c.user_id, c.client_id, k.name, c.scopes, c.created_at`

func scanConsent(sc interface{ Scan(...any) error }) (oidc.Consent, error) {
	var c oidc.Consent
	var scopes string
	var at int64
	if err := sc.Scan(&c.UserID, &c.ClientID, &c.ClientName, &scopes, &at); err != nil {
		return oidc.Consent{}, err
	}
	c.Scopes, c.CreatedAt = strings.Fields(scopes), fromDB(at)
	return c, nil
}

func (s oidcStore) Consent(ctx context.Context, userID, clientID string) (oidc.Consent, error) {
	c, err := scanConsent(s.db.read.QueryRowContext(ctx, `SELECT `+consentColumns+`
		FROM oidc_consents c JOIN oidc_clients k ON k.id = c.client_id WHERE c.user_id = ? AND c.client_id = ?`, userID, clientID))
	if err != nil {
		return oidc.Consent{}, notFound("consent", err)
	}
	return c, nil
}

func (s oidcStore) Consents(ctx context.Context, userID string) ([]oidc.Consent, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+consentColumns+`
		FROM oidc_consents c JOIN oidc_clients k ON k.id = c.client_id WHERE c.user_id = ?
		ORDER BY c.created_at DESC, c.client_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consents: %w", err)
	}
	defer rows.Close()
	var out []oidc.Consent
	for rows.Next() {
		c, err := scanConsent(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: consents: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s oidcStore) DeleteConsent(ctx context.Context, userID, clientID string) error {
	res, err := s.db.write.ExecContext(ctx, `DELETE FROM oidc_consents WHERE user_id = ? AND client_id = ?`, userID, clientID)
	return affected("delete consent", res, err)
}

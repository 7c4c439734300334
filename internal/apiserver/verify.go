package apiserver

import (
	"net/http"
	"strconv"
	"time"

	"github.com/bizy-auth/bizy/internal/web"
	"github.com/bizy-auth/bizy/token"
)

// handleVerifyToken describes the caller's token. It runs inside
// requireUser, so reaching it means the token is valid; a bad one got a 401
// problem there.
//
// The answer is {valid, user: {user_id, username, email, is_admin},
// expires_at, aal}, encoded by hand (appendVerifyAnswer): this is the
// route clients and proxies call on every request of theirs, and
// encoding/json's reflection over the structure cost more than the rest
// of the handler. A test holds the two encodings equal.
func handleVerifyToken() web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		web.JSONAppend(w, http.StatusOK, func(b []byte) []byte { return appendVerifyAnswer(b, c) })
		return nil
	}
}

// appendVerifyAnswer appends verify-token's answer for c, as encoding/json
// writes verifyAnswer. expires_at is RFC 3339 in UTC: digits, letters and
// punctuation that JSON never escapes.
func appendVerifyAnswer(b []byte, c *token.Claims) []byte {
	b = append(b, `{"valid":true,"user":{"user_id":`...)
	b = web.AppendString(b, c.UserID)
	b = append(b, `,"username":`...)
	b = web.AppendString(b, c.Username)
	b = append(b, `,"email":`...)
	b = web.AppendString(b, c.Email)
	b = append(b, `,"is_admin":`...)
	b = strconv.AppendBool(b, c.IsAdmin)
	b = append(b, `},"expires_at":"`...)
	b = c.ExpiresAt.UTC().AppendFormat(b, time.RFC3339)
	b = append(b, `","aal":`...)
	b = web.AppendString(b, c.Level())
	return append(b, '}')
}

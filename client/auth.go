package client

import (
	"context"
	"errors"
	"net/url"
	"time"
)

// User is a Bizy account as the services show it. Disabled and UpdatedAt
// are set only by the admin calls (GetUser, ListUsers, UpdateUser).
type User struct {
	ID            string    `json:"id"`
	Username      string    `json:"username"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	IsAdmin       bool      `json:"is_admin"`
	CreatedAt     time.Time `json:"created_at"`
	Disabled      bool      `json:"disabled"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Registration is what Register sends.
type Registration struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Session is one live login of the caller, as Sessions lists it.
type Session struct {
	ID          string    `json:"id"`
	CreatedAt   time.Time `json:"created_at"`
	RefreshedAt time.Time `json:"refreshed_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	IP          string    `json:"ip"`
	UserAgent   string    `json:"user_agent"`
	Current     bool      `json:"current"` // the session of the token that asked
}

// TokenInfo is the API's reading of the caller's access token.
type TokenInfo struct {
	UserID    string
	Username  string
	Email     string
	IsAdmin   bool
	ExpiresAt time.Time
	AAL       string // "aal1" after a password alone, "aal2" after a second factor or a passkey
}

// Health is a service's health document: "ok" and each check's state.
type Health struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// AuthServerHealth is the API's report on the auth service.
type AuthServerHealth struct {
	Status     string        // "ok"
	AuthServer Health        // the auth service's own /health answer
	Latency    time.Duration // how long the API waited for it
}

// tokenAnswer is the body of a login or refresh answer.
type tokenAnswer struct {
	Token        string `json:"token"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	User         User   `json:"user"`
}

func (a tokenAnswer) tokens() Tokens {
	return Tokens{AccessToken: a.Token, RefreshToken: a.RefreshToken,
		ExpiresIn: time.Duration(a.ExpiresIn) * time.Second, User: a.User}
}

// userAnswer is the body of the answers that carry one user.
type userAnswer struct {
	User User `json:"user"`
}

// Register creates an account (POST /register) and returns it. The auth
// service mails a verification link; until it is followed, Login answers
// 403 CodeEmailNotVerified where the service requires verification.
// Errors: 422 CodeValidationFailed naming the fields, 409 CodeConflict
// when the username or email is taken (Detail names which).
func (c *Client) Register(ctx context.Context, r Registration) (User, error) {
	var a userAnswer
	err := c.do(ctx, call{method: "POST", path: "/register", body: r}, &a)
	return a.User, err
}

// Login signs in with a username or email and a password (POST /login) and
// returns the session's tokens; pass them to WithTokens to make calls as
// that user. c itself keeps nothing. Errors: 401 CodeInvalidCredentials for
// an unknown login or a wrong password alike, 403 CodeEmailNotVerified or
// CodeAccountDisabled, 423 CodeAccountLocked and 429 CodeRateLimited with
// RetryAfter. For an account with a second factor the right password
// gives no tokens but a *MFARequiredError, whose Token LoginMFA takes.
func (c *Client) Login(ctx context.Context, login, password string) (Tokens, error) {
	var a loginAnswer
	err := c.do(ctx, call{method: "POST", path: "/login",
		body: map[string]string{"username": login, "password": password}}, &a)
	return a.result(err)
}

// Refresh presents a refresh token (POST /refresh) and returns the new
// tokens; the one presented stops working. When refreshToken is the one c
// holds, c keeps the new tokens (and calls Config.OnTokens), exactly as an
// automatic refresh would, and waits for one already under way instead of
// presenting a used token, which would end the session. Errors: 401
// CodeInvalidRefreshToken for a dead, revoked or unknown refresh token.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	if c.sess != nil && refreshToken != "" && c.sess.get().RefreshToken == refreshToken {
		t, err := c.sess.rotate(ctx, "", refreshToken, c.refresh)
		if !errors.Is(err, errNoRefresh) { // else refused meanwhile: let the server say so
			return t, err
		}
	}
	return c.refresh(ctx, refreshToken)
}

func (c *Client) refresh(ctx context.Context, refreshToken string) (Tokens, error) {
	var a tokenAnswer
	err := c.do(ctx, call{method: "POST", path: "/refresh", body: map[string]string{"refresh_token": refreshToken}}, &a)
	return a.tokens(), err
}

// Logout ends the session of c's access token (POST /logout) and drops
// the tokens c holds. It returns ErrNoToken when c holds none.
func (c *Client) Logout(ctx context.Context) error { return c.logout(ctx, nil) }

// LogoutAll ends every session of c's user (POST /logout?all=true), on
// every device, and drops the tokens c holds. It returns ErrNoToken when c
// holds none.
func (c *Client) LogoutAll(ctx context.Context) error {
	return c.logout(ctx, url.Values{"all": {"true"}})
}

func (c *Client) logout(ctx context.Context, q url.Values) error {
	err := c.do(ctx, call{method: "POST", path: "/logout", query: q, bearer: true}, nil)
	if err == nil {
		c.sess.clear()
	}
	return err
}

// Profile returns the user of c's access token (GET /profile).
func (c *Client) Profile(ctx context.Context) (User, error) {
	var a userAnswer
	err := c.do(ctx, call{method: "GET", path: "/profile", bearer: true}, &a)
	return a.User, err
}

// Sessions lists the live sessions of c's user, newest first (GET
// /sessions); Current marks the one of c's token.
func (c *Client) Sessions(ctx context.Context) ([]Session, error) {
	var a struct {
		Items []Session `json:"items"`
	}
	err := c.do(ctx, call{method: "GET", path: "/sessions", bearer: true}, &a)
	return a.Items, err
}

// RevokeSession ends one of the caller's sessions (DELETE /sessions/{id}).
// Another user's session is a 404 CodeNotFound, like an unknown id.
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	p, err := pathID(id)
	if err != nil {
		return err
	}
	return c.do(ctx, call{method: "DELETE", path: "/sessions" + p, bearer: true}, nil)
}

// VerifyEmail uses the token of a verification link (POST /verify-email)
// and returns the verified user. Errors: 400 CodeInvalidToken for an
// unknown, used or expired token.
func (c *Client) VerifyEmail(ctx context.Context, token string) (User, error) {
	var a userAnswer
	err := c.do(ctx, call{method: "POST", path: "/verify-email", body: map[string]string{"token": token}}, &a)
	return a.User, err
}

// ResendVerification asks for a new verification mail (POST
// /resend-verification). It succeeds whether or not the address belongs
// to an account, so the answer reveals nothing.
func (c *Client) ResendVerification(ctx context.Context, email string) error {
	return c.do(ctx, call{method: "POST", path: "/resend-verification", body: map[string]string{"email": email}}, nil)
}

// ForgotPassword asks for a password reset mail (POST /forgot-password).
// It succeeds whether or not the address belongs to an account.
func (c *Client) ForgotPassword(ctx context.Context, email string) error {
	return c.do(ctx, call{method: "POST", path: "/forgot-password", body: map[string]string{"email": email}}, nil)
}

// ResetPassword sets a new password with the token of a reset link (POST
// /reset-password); every session of the user ends. Errors: 400
// CodeInvalidToken for an unknown, used or expired token; 422
// CodeValidationFailed for a weak password, after which the token still
// works.
func (c *Client) ResetPassword(ctx context.Context, token, newPassword string) error {
	return c.do(ctx, call{method: "POST", path: "/reset-password",
		body: map[string]string{"token": token, "password": newPassword}}, nil)
}

// ChangePassword changes the password of c's user (POST /change-password).
// The user's other sessions end; c's stays. Errors: 400
// CodeInvalidCredentials naming current_password when it is wrong (it
// counts as a failed login), 422 CodeValidationFailed for a weak new one.
func (c *Client) ChangePassword(ctx context.Context, currentPassword, newPassword string) error {
	return c.do(ctx, call{method: "POST", path: "/change-password", bearer: true,
		body: map[string]string{"current_password": currentPassword, "new_password": newPassword}}, nil)
}

// VerifyToken asks the API to check c's access token (GET
// /api/auth/verify-token) and returns what it says. The API checks it
// locally, without the auth service. It needs Config.APIURL.
func (c *Client) VerifyToken(ctx context.Context) (TokenInfo, error) {
	var a struct {
		User struct {
			UserID   string `json:"user_id"`
			Username string `json:"username"`
			Email    string `json:"email"`
			IsAdmin  bool   `json:"is_admin"`
		} `json:"user"`
		ExpiresAt time.Time `json:"expires_at"`
		AAL       string    `json:"aal"`
	}
	err := c.do(ctx, call{method: "GET", to: toAPI, path: "/api/auth/verify-token", bearer: true}, &a)
	return TokenInfo{UserID: a.User.UserID, Username: a.User.Username, Email: a.User.Email,
		IsAdmin: a.User.IsAdmin, ExpiresAt: a.ExpiresAt, AAL: a.AAL}, err
}

// AuthServerHealth asks the API how the auth service is (GET
// /api/auth/auth-server-health). Errors: 503 CodeAuthUnavailable when the
// API cannot reach it, 503 CodeAuthUnhealthy when it reports a fault. It
// needs Config.APIURL.
func (c *Client) AuthServerHealth(ctx context.Context) (AuthServerHealth, error) {
	var a struct {
		Status     string  `json:"status"`
		AuthServer Health  `json:"auth_server"`
		LatencyMS  float64 `json:"latency_ms"`
	}
	err := c.do(ctx, call{method: "GET", to: toAPI, path: "/api/auth/auth-server-health"}, &a)
	return AuthServerHealth{Status: a.Status, AuthServer: a.AuthServer,
		Latency: time.Duration(a.LatencyMS * float64(time.Millisecond))}, err
}

package client

import (
	"context"
	"errors"
)

// Problem codes of the second-factor steps.
const (
	CodeInvalidCode     = "invalid_code"      // 400 while enrolling, 401 at LoginMFA: a wrong or reused code
	CodeInvalidMFAToken = "invalid_mfa_token" // 401: the mfa_token is used, expired or ended by 5 wrong codes; Login again
	CodeMFARequired     = "mfa_required"      // 403: the route needs a session signed in with a second factor (aal2)
)

// MFARequiredError is Login's answer for an account with a second factor:
// the password was right, and Token (the mfa_token, valid 5 minutes) goes
// to LoginMFA or LoginRecoveryCode with a code. Methods lists what the
// account accepts ("totp", "recovery_code").
type MFARequiredError struct {
	Token   string
	Methods []string
}

func (e *MFARequiredError) Error() string { return "bizy: a second factor is required" }

// loginAnswer is a login answer: tokens, or the second step's token.
type loginAnswer struct {
	tokenAnswer
	MFARequired bool     `json:"mfa_required"`
	MFAToken    string   `json:"mfa_token"`
	Methods     []string `json:"methods"`
}

func (a loginAnswer) result(err error) (Tokens, error) {
	if err == nil && a.MFARequired {
		return Tokens{}, &MFARequiredError{Token: a.MFAToken, Methods: a.Methods}
	}
	return a.tokens(), err
}

// LoginMFA finishes a Login that answered *MFARequiredError with the code
// of the user's authenticator app (POST /login/mfa). Errors: 401
// CodeInvalidCode (five end the mfa_token, and count as failed logins),
// 401 CodeInvalidMFAToken.
func (c *Client) LoginMFA(ctx context.Context, mfaToken, code string) (Tokens, error) {
	return c.loginMFA(ctx, map[string]string{"mfa_token": mfaToken, "code": code})
}

// LoginRecoveryCode is LoginMFA with one of the user's recovery codes,
// each of which works once.
func (c *Client) LoginRecoveryCode(ctx context.Context, mfaToken, recoveryCode string) (Tokens, error) {
	return c.loginMFA(ctx, map[string]string{"mfa_token": mfaToken, "recovery_code": recoveryCode})
}

func (c *Client) loginMFA(ctx context.Context, body map[string]string) (Tokens, error) {
	var a tokenAnswer
	err := c.do(ctx, call{method: "POST", path: "/login/mfa", body: body}, &a)
	return a.tokens(), err
}

// IsMFARequired reports whether err is Login's request for a second
// factor, and returns it.
func IsMFARequired(err error) (*MFARequiredError, bool) {
	var m *MFARequiredError
	ok := errors.As(err, &m)
	return m, ok
}

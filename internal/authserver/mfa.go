package authserver

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

// passkeyView is a passkey as GET /mfa lists it.
type passkeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func newPasskeyView(p auth.Passkey) passkeyView {
	v := passkeyView{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt}
	if !p.LastUsedAt.IsZero() {
		v.LastUsedAt = &p.LastUsedAt
	}
	return v
}

func handleMFA(svc *auth.Service) web.Handler {
	type response struct {
		TOTP              bool          `json:"totp"`
		Passkeys          []passkeyView `json:"passkeys"`
		RecoveryCodesLeft int           `json:"recovery_codes_left"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		claims, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		st, err := svc.MFA(r.Context(), claims.UserID)
		if err != nil {
			return err
		}
		out := response{TOTP: st.TOTP, Passkeys: []passkeyView{}, RecoveryCodesLeft: st.RecoveryCodesLeft}
		for _, p := range st.Passkeys {
			out.Passkeys = append(out.Passkeys, newPasskeyView(p))
		}
		return web.JSON(w, http.StatusOK, out)
	}
}

func handleStartTOTP(svc *auth.Service) web.Handler {
	type response struct {
		Secret     string `json:"secret"`
		OTPAuthURI string `json:"otpauth_uri"`
		QRPNG      string `json:"qr_png"`
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		claims, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		e, err := svc.StartTOTP(r.Context(), claims.UserID)
		if err != nil {
			return err
		}
		qr, err := e.QRPNG()
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, response{Secret: e.Secret, OTPAuthURI: e.URI,
			QRPNG: base64.StdEncoding.EncodeToString(qr)})
	}
}

// codeRequest is the body of POST /mfa/totp/confirm.
type codeRequest struct {
	Code string `json:"code"`
}

func (c codeRequest) Valid(context.Context) map[string]string {
	if c.Code == "" {
		return map[string]string{"code": "is required"}
	}
	return nil
}

// recoveryCodesResponse shows recovery codes, once.
type recoveryCodesResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

func handleConfirmTOTP(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[codeRequest](r)
		if err != nil {
			return err
		}
		claims, c, err := caller(r)
		if err != nil {
			return err
		}
		codes, err := svc.ConfirmTOTP(r.Context(), claims.UserID, req.Code, c)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, recoveryCodesResponse{codes})
	}
}

// passwordRequest is the body of DELETE /mfa/totp.
type passwordRequest struct {
	Password string `json:"password"`
}

func (p passwordRequest) Valid(context.Context) map[string]string {
	if p.Password == "" {
		return map[string]string{"password": "is required"}
	}
	return nil
}

func handleRemoveTOTP(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[passwordRequest](r)
		if err != nil {
			return err
		}
		claims, c, err := caller(r)
		if err != nil {
			return err
		}
		if err := svc.RemoveTOTP(r.Context(), claims.UserID, claims.SessionID, req.Password, c); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func handleNewRecoveryCodes(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		claims, c, err := caller(r)
		if err != nil {
			return err
		}
		codes, err := svc.NewRecoveryCodes(r.Context(), claims.UserID, c)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, recoveryCodesResponse{codes})
	}
}

// mfaLoginRequest is the body of POST /login/mfa: the mfa_token and one
// of the two kinds of code.
type mfaLoginRequest struct {
	MFAToken     string `json:"mfa_token"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

func (m mfaLoginRequest) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	if m.MFAToken == "" {
		errs["mfa_token"] = "is required"
	}
	switch {
	case m.Code == "" && m.RecoveryCode == "":
		errs["code"] = "is required (or recovery_code)"
	case m.Code != "" && m.RecoveryCode != "":
		errs["recovery_code"] = "give either code or recovery_code, not both"
	}
	return errs
}

func handleLoginMFA(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[mfaLoginRequest](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		t, err := svc.LoginMFA(r.Context(), auth.MFAProof{Token: req.MFAToken, Code: req.Code, RecoveryCode: req.RecoveryCode}, c)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, newTokenResponse("login successful", t))
	}
}

// writeMFARequired answers a right password whose account needs a second
// factor: 200 with the mfa_token and no tokens. It reports false when err
// is not that answer.
func writeMFARequired(w http.ResponseWriter, err error) (bool, error) {
	var mfa *auth.MFARequiredError
	if !errors.As(err, &mfa) {
		return false, nil
	}
	w.Header().Set("Cache-Control", "no-store")
	return true, web.JSON(w, http.StatusOK, struct {
		MFARequired bool     `json:"mfa_required"`
		MFAToken    string   `json:"mfa_token"`
		Methods     []string `json:"methods"`
	}{true, mfa.Token, mfa.Methods})
}

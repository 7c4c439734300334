package authserver

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/web"
)

// beginResponse starts a WebAuthn ceremony: the flow_id to send back with
// the finish, and the options for navigator.credentials.
type beginResponse struct {
	FlowID    string          `json:"flow_id"`
	PublicKey json.RawMessage `json:"publicKey"`
}

func writeBegin(w http.ResponseWriter, flow string, options []byte) error {
	w.Header().Set("Cache-Control", "no-store")
	return web.JSON(w, http.StatusOK, beginResponse{FlowID: flow, PublicKey: options})
}

func handlePasskeyRegisterBegin(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		claims, err := web.ClaimsOf(r)
		if err != nil {
			return err
		}
		flow, options, err := svc.BeginPasskeyRegistration(r.Context(), claims.UserID)
		if err != nil {
			return err
		}
		return writeBegin(w, flow, options)
	}
}

// finishRequest is the body of both finish steps; Name only registers.
type finishRequest struct {
	FlowID     string          `json:"flow_id"`
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

func (f finishRequest) Valid(context.Context) map[string]string {
	errs := map[string]string{}
	if f.FlowID == "" {
		errs["flow_id"] = "is required"
	}
	if len(f.Credential) == 0 || string(f.Credential) == "null" {
		errs["credential"] = "is required"
	}
	return errs
}

func handlePasskeyRegisterFinish(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[finishRequest](r)
		if err != nil {
			return err
		}
		claims, c, err := caller(r)
		if err != nil {
			return err
		}
		p, err := svc.FinishPasskeyRegistration(r.Context(), claims.UserID, req.FlowID, req.Name, req.Credential, c)
		if err != nil {
			return err
		}
		return web.JSON(w, http.StatusCreated, newPasskeyView(p))
	}
}

func handlePasskeyLoginBegin(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		flow, options, err := svc.BeginPasskeyLogin(r.Context())
		if err != nil {
			return err
		}
		return writeBegin(w, flow, options)
	}
}

func handlePasskeyLoginFinish(svc *auth.Service) web.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := web.Decode[finishRequest](r)
		if err != nil {
			return err
		}
		c, err := client(r)
		if err != nil {
			return err
		}
		t, err := svc.FinishPasskeyLogin(r.Context(), req.FlowID, req.Credential, c)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		return web.JSON(w, http.StatusOK, newTokenResponse("login successful", t))
	}
}

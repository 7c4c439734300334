package authserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/passkey"
	"github.com/bizy-auth/bizy/internal/passkey/passkeytest"
	"github.com/bizy-auth/bizy/internal/webtest"
)

const rpOrigin = "http://localhost:8000"

func newPasskeyFixture(t *testing.T) *fixture {
	t.Helper()
	rp, err := passkey.New("localhost", "Bizy", []string{rpOrigin})
	if err != nil {
		t.Fatal(err)
	}
	return newFixture(t, options{passkeys: rp})
}

// begin posts to a begin route and returns the flow_id and options.
func (f *fixture) begin(path, bearer string) (string, []byte) {
	f.t.Helper()
	rec := f.do("POST", path, nil, bearer)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("POST %s = %d %s", path, rec.Code, rec.Body)
	}
	var b struct {
		FlowID    string          `json:"flow_id"`
		PublicKey json.RawMessage `json:"publicKey"`
	}
	webtest.Decode(f.t, rec, &b)
	return b.FlowID, b.PublicKey
}

// registerPasskey makes a passkey on a for the bearer's user.
func (f *fixture) registerPasskey(a *passkeytest.Authenticator, bearer, name string) passkeyView {
	f.t.Helper()
	flow, opts := f.begin("/passkeys/register/begin", bearer)
	cred, err := a.Create(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	rec := f.do("POST", "/passkeys/register/finish", map[string]any{"flow_id": flow, "name": name, "credential": json.RawMessage(cred)}, bearer)
	if rec.Code != http.StatusCreated {
		f.t.Fatalf("register finish = %d %s", rec.Code, rec.Body)
	}
	var p passkeyView
	webtest.Decode(f.t, rec, &p)
	return p
}

// passkeyLogin signs in with a's newest credential and returns the answer.
func (f *fixture) passkeyLogin(a *passkeytest.Authenticator) *httpResult {
	f.t.Helper()
	flow, opts := f.begin("/login/passkey/begin", "")
	if strings.Contains(string(opts), "allowCredentials") {
		f.t.Errorf("discoverable sign-in options name credentials: %s", opts)
	}
	cred, err := a.Get(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	rec := f.do("POST", "/login/passkey/finish", map[string]any{"flow_id": flow, "credential": json.RawMessage(cred)}, "")
	return &httpResult{rec.Code, rec.Body.String()}
}

type httpResult struct {
	code int
	body string
}

func TestPasskeys(t *testing.T) {
	f := newPasskeyFixture(t)
	f.mustRegister("pat", "pat@example.com", goodPassword, true)
	bearer := f.mustLogin("pat", goodPassword)
	a := &passkeytest.Authenticator{Origin: rpOrigin, BackupEligible: true, BackupState: true}
	laptop := f.registerPasskey(a, bearer, "Laptop")
	phone := f.registerPasskey(a, bearer, "")
	if laptop.Name != "Laptop" || phone.Name != "Passkey" || laptop.ID == phone.ID {
		t.Errorf("passkeys %+v %+v", laptop, phone)
	}
	rec := f.do("GET", "/mfa", nil, bearer)
	if !strings.Contains(rec.Body.String(), `"name":"Laptop"`) || !strings.Contains(rec.Body.String(), `"last_used_at":null`) {
		t.Errorf("GET /mfa = %s", rec.Body)
	}

	res := f.passkeyLogin(a)
	if res.code != http.StatusOK {
		t.Fatalf("passkey login = %d %s", res.code, res.body)
	}
	var login struct{ Token string }
	json.Unmarshal([]byte(res.body), &login)
	if c := webtest.Claims(t, login.Token); !slices.Equal(c.AMR, []string{"webauthn"}) || c.AAL != "aal2" {
		t.Errorf("passkey token amr %v aal %q", c.AMR, c.AAL)
	}
	keys, _ := f.store.Passkeys(t.Context(), webtest.Claims(t, login.Token).UserID)
	if len(keys) != 2 || keys[1].SignCount != a.Counter || !keys[1].BackupEligible || !keys[1].BackupState || keys[1].LastUsedAt.IsZero() {
		t.Errorf("stored passkey after sign-in: %+v (counter %d)", keys[1], a.Counter)
	}

	// A flow works once.
	flow, opts := f.begin("/login/passkey/begin", "")
	cred, _ := a.Get(opts)
	body := map[string]any{"flow_id": flow, "credential": json.RawMessage(cred)}
	if rec := f.do("POST", "/login/passkey/finish", body, ""); rec.Code != http.StatusOK {
		t.Fatalf("login = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("POST", "/login/passkey/finish", body, ""); rec.Code != http.StatusBadRequest ||
		!strings.Contains(rec.Body.String(), "invalid_flow") {
		t.Errorf("the same flow again = %d %s", rec.Code, rec.Body)
	}

	// A counter going back: a cloned authenticator, refused and recorded.
	a.Counter = 0
	if res := f.passkeyLogin(a); res.code != http.StatusUnauthorized {
		t.Errorf("counter back = %d %s", res.code, res.body)
	}
	if evs, _, _ := f.store.Events(t.Context(), auth.EventFilter{Type: auth.EventPasskeyCloned, Limit: 10}); len(evs) != 1 {
		t.Errorf("%d passkey_clone_detected events, want 1", len(evs))
	}

	// Removing one: it no longer signs in.
	if rec := f.do("DELETE", "/passkeys/"+phone.ID, nil, bearer); rec.Code != http.StatusNoContent {
		t.Fatalf("delete = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("DELETE", "/passkeys/"+phone.ID, nil, bearer); rec.Code != http.StatusNotFound {
		t.Errorf("delete twice = %d", rec.Code)
	}
	a.Counter = 100
	if res := f.passkeyLogin(a); res.code != http.StatusUnauthorized {
		t.Errorf("removed passkey = %d %s", res.code, res.body)
	}
}

func TestPasskeyRegistrationRejectsBadCredentials(t *testing.T) {
	f := newPasskeyFixture(t)
	f.mustRegister("quin", "quin@example.com", goodPassword, true)
	bearer := f.mustLogin("quin", goodPassword)
	wrongOrigin := &passkeytest.Authenticator{Origin: "https://evil.example"}
	flow, opts := f.begin("/passkeys/register/begin", bearer)
	cred, _ := wrongOrigin.Create(opts)
	rec := f.do("POST", "/passkeys/register/finish", map[string]any{"flow_id": flow, "credential": json.RawMessage(cred)}, bearer)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "invalid_credential") {
		t.Errorf("wrong origin = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("POST", "/passkeys/register/finish", map[string]any{"flow_id": "x"}, bearer); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("no credential = %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("POST", "/login/passkey/begin", nil, ""); rec.Code != http.StatusOK {
		t.Errorf("login begin = %d", rec.Code)
	}
	off := newFixture(t, options{})
	if rec := off.do("POST", "/login/passkey/begin", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("passkeys off = %d %s", rec.Code, rec.Body)
	}
}

package token

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestClaimsAMRAndAALRoundTrip(t *testing.T) {
	c := goodClaims()
	c.AMR, c.AAL = []string{"pwd", "otp"}, AAL2
	v := mustVerifier(t, Config{Now: func() time.Time { return t0 }})
	got, err := v.Verify(t.Context(), mustSign(t, NewEdDSASigner("k1", testPriv), c))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.AMR, []string{"pwd", "otp"}) || got.AAL != AAL2 || got.Level() != AAL2 {
		t.Errorf("amr %v aal %q level %q", got.AMR, got.AAL, got.Level())
	}
	b, _ := json.Marshal(c)
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["aal"] != "aal2" {
		t.Errorf("wire aal = %v in %s", m["aal"], b)
	}
	if (Claims{}).Level() != AAL1 {
		t.Error("a token without aal must read as aal1")
	}
}

func TestMiddlewareRequireAAL2(t *testing.T) {
	v := mustVerifier(t, Config{Now: func() time.Time { return t0 }})
	weak := goodClaims()
	strong := goodClaims()
	strong.AMR, strong.AAL = []string{"webauthn"}, AAL2
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), RequireAAL2())
	for _, tt := range []struct {
		name   string
		claims Claims
		want   int
	}{{"PasswordOnly", weak, 403}, {"Passkey", strong, 200}} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/admin", nil)
			r.Header.Set("Authorization", "Bearer "+mustSign(t, NewEdDSASigner("k1", testPriv), tt.claims))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d", w.Code, tt.want)
			}
			if tt.want == 403 && (w.Header().Get("WWW-Authenticate") == "" || !strings.Contains(w.Body.String(), `"code":"mfa_required"`)) {
				t.Errorf("step-up answer: %v %s", w.Header(), w.Body)
			}
		})
	}
}

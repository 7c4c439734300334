package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/oidc"
)

// OIDCEngine is what an adapter's test hands OIDCStore: the two stores
// over one empty, migrated database (grants name sessions of the auth
// store).
type OIDCEngine struct {
	Auth auth.Store
	OIDC oidc.Store
}

// OIDCStore checks that the stores open returns behave as oidc.Store
// documents. open is called once per subtest.
func OIDCStore(t *testing.T, open func(t *testing.T) OIDCEngine) {
	t.Helper()
	cases := []struct {
		name string
		test func(t *testing.T, e OIDCEngine)
	}{
		{"Client/RoundTripAndList", testClientRoundTrip},
		{"Client/ConflictAndUnknown", testClientConflict},
		{"Client/DeleteCascades", testClientDeleteCascades},
		{"AuthRequest/CodeLifecycle", testAuthRequestCode},
		{"AuthRequest/ClaimTwentyConcurrent", testClaimConcurrent},
		{"AuthRequest/ReusedBeforeIssued", testReusedBeforeIssued},
		{"AuthRequest/DeleteBefore", testDeleteAuthRequests},
		{"Grant/RoundTripAndLists", testGrants},
		{"Consent/SaveReplaceListDelete", testConsents},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.test(t, open(t)) })
	}
}

func mustCreateClient(t *testing.T, s oidc.Store, public bool) oidc.Client {
	t.Helper()
	c := oidc.Client{ID: uuid.NewString(), Name: "App " + uuid.NewString()[:8],
		RedirectURIs: []string{"https://app.example/cb", "http://127.0.0.1:9/cb"}, Public: public,
		FirstParty: !public, CreatedAt: at(0 * time.Minute), IDTokenAlg: map[bool]string{true: "EdDSA", false: "RS256"}[public]}
	if !public {
		c.SecretHash = []byte("sha256:" + c.ID)
	}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	return c
}

func wantClient(t *testing.T, got, want oidc.Client) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || string(got.SecretHash) != string(want.SecretHash) ||
		!slices.Equal(got.RedirectURIs, want.RedirectURIs) || got.Public != want.Public || got.FirstParty != want.FirstParty ||
		got.IDTokenAlg != want.IDTokenAlg {
		t.Errorf("client = %+v, want %+v", got, want)
	}
	wantTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
}

func testClientRoundTrip(t *testing.T, e OIDCEngine) {
	a, b := mustCreateClient(t, e.OIDC, false), mustCreateClient(t, e.OIDC, true)
	got, err := e.OIDC.Client(t.Context(), b.ID)
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	wantClient(t, got, b)
	if got.SecretHash != nil {
		t.Errorf("public client has secret hash %q", got.SecretHash)
	}
	all, err := e.OIDC.Clients(t.Context())
	if err != nil || len(all) != 2 {
		t.Fatalf("Clients = %d clients, %v; want 2", len(all), err)
	}
	for _, c := range all {
		if c.ID == a.ID {
			wantClient(t, c, a)
		}
	}
}

func testClientConflict(t *testing.T, e OIDCEngine) {
	c := mustCreateClient(t, e.OIDC, false)
	if err := e.OIDC.CreateClient(t.Context(), c); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("CreateClient twice = %v, want ErrConflict", err)
	}
	if _, err := e.OIDC.Client(t.Context(), uuid.NewString()); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Client(unknown) = %v, want ErrNotFound", err)
	}
	if err := e.OIDC.DeleteClient(t.Context(), uuid.NewString()); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("DeleteClient(unknown) = %v, want ErrNotFound", err)
	}
}

func mustGrant(t *testing.T, e OIDCEngine, userID, clientID string) oidc.Grant {
	t.Helper()
	sess := mustCreateSession(t, e.Auth, newSession(userID))
	g := oidc.Grant{SessionID: sess.ID, ClientID: clientID, UserID: userID,
		Scopes: []string{"openid", "email"}, AuthTime: at(3 * time.Minute), AMR: []string{"pwd"}}
	if err := e.OIDC.CreateGrant(t.Context(), g); err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	return g
}

func testClientDeleteCascades(t *testing.T, e OIDCEngine) {
	u := mustCreateUser(t, e.Auth)
	c := mustCreateClient(t, e.OIDC, false)
	g := mustGrant(t, e, u.ID, c.ID)
	ctx := t.Context()
	if err := e.OIDC.SaveConsent(ctx, oidc.Consent{UserID: u.ID, ClientID: c.ID, Scopes: []string{"openid"}, CreatedAt: at(0 * time.Minute)}); err != nil {
		t.Fatalf("SaveConsent: %v", err)
	}
	if err := e.OIDC.CreateAuthRequest(ctx, oidc.AuthRequest{ID: uuid.NewString(), ClientID: c.ID, Data: []byte("{}"), CreatedAt: at(0 * time.Minute)}); err != nil {
		t.Fatalf("CreateAuthRequest: %v", err)
	}
	if err := e.OIDC.DeleteClient(ctx, c.ID); err != nil {
		t.Fatalf("DeleteClient: %v", err)
	}
	if _, err := e.OIDC.Grant(ctx, g.SessionID); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Grant after DeleteClient = %v, want ErrNotFound", err)
	}
	if cs, err := e.OIDC.Consents(ctx, u.ID); err != nil || len(cs) != 0 {
		t.Errorf("Consents after DeleteClient = %v, %v; want none", cs, err)
	}
}

func testAuthRequestCode(t *testing.T, e OIDCEngine) {
	ctx := t.Context()
	c := mustCreateClient(t, e.OIDC, true)
	r := oidc.AuthRequest{ID: uuid.NewString(), ClientID: c.ID, Data: []byte(`{"a":1}`), CreatedAt: at(0 * time.Minute)}
	if err := e.OIDC.CreateAuthRequest(ctx, r); err != nil {
		t.Fatalf("CreateAuthRequest: %v", err)
	}
	if err := e.OIDC.CreateAuthRequest(ctx, oidc.AuthRequest{ID: uuid.NewString(), ClientID: uuid.NewString(), Data: []byte("{}"), CreatedAt: at(0 * time.Minute)}); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("CreateAuthRequest(unknown client) = %v, want ErrNotFound", err)
	}
	if err := e.OIDC.UpdateAuthRequestData(ctx, r.ID, []byte(`{"a":2}`)); err != nil {
		t.Fatalf("UpdateAuthRequestData: %v", err)
	}
	hash := newHash()
	if err := e.OIDC.SetCode(ctx, r.ID, hash, at(1*time.Minute)); err != nil {
		t.Fatalf("SetCode: %v", err)
	}
	if err := e.OIDC.SetCode(ctx, r.ID, newHash(), at(2*time.Minute)); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("SetCode twice = %v, want ErrNotFound (a request gets one code)", err)
	}
	got, err := e.OIDC.AuthRequestByCode(ctx, hash)
	if err != nil {
		t.Fatalf("AuthRequestByCode: %v", err)
	}
	if got.ID != r.ID || string(got.Data) != `{"a":2}` || !got.CodeUsedAt.IsZero() || got.IssuedSID != "" {
		t.Errorf("AuthRequestByCode = %+v", got)
	}
	wantTime(t, "CodeAt", got.CodeAt, at(1*time.Minute))
	if _, err := e.OIDC.AuthRequestByCode(ctx, newHash()); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("AuthRequestByCode(unknown) = %v, want ErrNotFound", err)
	}
	if ok, err := e.OIDC.ClaimCode(ctx, r.ID, at(2*time.Minute)); !ok || err != nil {
		t.Fatalf("ClaimCode = %v, %v; want true", ok, err)
	}
	if ok, err := e.OIDC.ClaimCode(ctx, r.ID, at(3*time.Minute)); ok || err != nil {
		t.Errorf("ClaimCode again = %v, %v; want false", ok, err)
	}
	if reused, err := e.OIDC.SetIssuedSession(ctx, r.ID, "sid-1"); reused || err != nil {
		t.Errorf("SetIssuedSession = %v, %v; want false", reused, err)
	}
	if sid, err := e.OIDC.FlagCodeReused(ctx, r.ID); sid != "sid-1" || err != nil {
		t.Errorf("FlagCodeReused = %q, %v; want sid-1", sid, err)
	}
	got, _ = e.OIDC.AuthRequest(ctx, r.ID)
	wantTime(t, "CodeUsedAt", got.CodeUsedAt, at(2*time.Minute))
}

func testClaimConcurrent(t *testing.T, e OIDCEngine) {
	c := mustCreateClient(t, e.OIDC, true)
	r := oidc.AuthRequest{ID: uuid.NewString(), ClientID: c.ID, Data: []byte("{}"), CreatedAt: at(0 * time.Minute)}
	if err := e.OIDC.CreateAuthRequest(t.Context(), r); err != nil {
		t.Fatalf("CreateAuthRequest: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 20 {
		wg.Go(func() {
			ok, err := e.OIDC.ClaimCode(t.Context(), r.ID, at(1*time.Minute))
			if err != nil {
				t.Errorf("ClaimCode: %v", err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of 20 concurrent claims won, want 1", wins)
	}
}

func testReusedBeforeIssued(t *testing.T, e OIDCEngine) {
	ctx := t.Context()
	c := mustCreateClient(t, e.OIDC, true)
	r := oidc.AuthRequest{ID: uuid.NewString(), ClientID: c.ID, Data: []byte("{}"), CreatedAt: at(0 * time.Minute)}
	if err := e.OIDC.CreateAuthRequest(ctx, r); err != nil {
		t.Fatalf("CreateAuthRequest: %v", err)
	}
	if sid, err := e.OIDC.FlagCodeReused(ctx, r.ID); sid != "" || err != nil {
		t.Errorf("FlagCodeReused = %q, %v; want \"\"", sid, err)
	}
	if reused, err := e.OIDC.SetIssuedSession(ctx, r.ID, "sid-2"); !reused || err != nil {
		t.Errorf("SetIssuedSession after a reuse = %v, %v; want true", reused, err)
	}
}

func testDeleteAuthRequests(t *testing.T, e OIDCEngine) {
	ctx := t.Context()
	c := mustCreateClient(t, e.OIDC, true)
	old := oidc.AuthRequest{ID: uuid.NewString(), ClientID: c.ID, Data: []byte("{}"), CreatedAt: at(0 * time.Minute)}
	recent := oidc.AuthRequest{ID: uuid.NewString(), ClientID: c.ID, Data: []byte("{}"), CreatedAt: at(10 * time.Minute)}
	for _, r := range []oidc.AuthRequest{old, recent} {
		if err := e.OIDC.CreateAuthRequest(ctx, r); err != nil {
			t.Fatalf("CreateAuthRequest: %v", err)
		}
	}
	if err := e.OIDC.DeleteAuthRequestsBefore(ctx, at(5*time.Minute)); err != nil {
		t.Fatalf("DeleteAuthRequestsBefore: %v", err)
	}
	if _, err := e.OIDC.AuthRequest(ctx, old.ID); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("old request: %v, want ErrNotFound", err)
	}
	if _, err := e.OIDC.AuthRequest(ctx, recent.ID); err != nil {
		t.Errorf("recent request: %v", err)
	}
}

func testGrants(t *testing.T, e OIDCEngine) {
	ctx := t.Context()
	u := mustCreateUser(t, e.Auth)
	c1, c2 := mustCreateClient(t, e.OIDC, false), mustCreateClient(t, e.OIDC, true)
	g1, g2 := mustGrant(t, e, u.ID, c1.ID), mustGrant(t, e, u.ID, c2.ID)
	got, err := e.OIDC.Grant(ctx, g1.SessionID)
	if err != nil {
		t.Fatalf("Grant: %v", err)
	}
	if got.ClientID != c1.ID || got.UserID != u.ID || !slices.Equal(got.Scopes, g1.Scopes) || !slices.Equal(got.AMR, g1.AMR) {
		t.Errorf("Grant = %+v, want %+v", got, g1)
	}
	wantTime(t, "AuthTime", got.AuthTime, g1.AuthTime)
	if err := e.OIDC.CreateGrant(ctx, g1); !errors.Is(err, auth.ErrConflict) {
		t.Errorf("CreateGrant twice = %v, want ErrConflict", err)
	}
	all, err := e.OIDC.GrantSessions(ctx, u.ID, "")
	if want := []string{g1.SessionID, g2.SessionID}; err != nil || !sameSet(all, want) {
		t.Errorf("GrantSessions(all) = %v, %v; want %v", all, err, want)
	}
	one, err := e.OIDC.GrantSessions(ctx, u.ID, c2.ID)
	if err != nil || !slices.Equal(one, []string{g2.SessionID}) {
		t.Errorf("GrantSessions(c2) = %v, %v", one, err)
	}
	cg, err := e.OIDC.ClientGrants(ctx, c1.ID)
	if err != nil || len(cg) != 1 || cg[0].SessionID != g1.SessionID {
		t.Errorf("ClientGrants = %v, %v", cg, err)
	}
	ug, err := e.OIDC.UserGrants(ctx, u.ID)
	if err != nil || len(ug) != 2 {
		t.Errorf("UserGrants = %v, %v; want two", ug, err)
	}
	if none, err := e.OIDC.UserGrants(ctx, mustCreateUser(t, e.Auth).ID); err != nil || len(none) != 0 {
		t.Errorf("UserGrants(another user) = %v, %v", none, err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func testConsents(t *testing.T, e OIDCEngine) {
	ctx := t.Context()
	u := mustCreateUser(t, e.Auth)
	c := mustCreateClient(t, e.OIDC, false)
	if _, err := e.OIDC.Consent(ctx, u.ID, c.ID); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("Consent before any = %v, want ErrNotFound", err)
	}
	for _, scopes := range [][]string{{"openid"}, {"openid", "email"}} {
		if err := e.OIDC.SaveConsent(ctx, oidc.Consent{UserID: u.ID, ClientID: c.ID, Scopes: scopes, CreatedAt: at(1 * time.Minute)}); err != nil {
			t.Fatalf("SaveConsent: %v", err)
		}
	}
	got, err := e.OIDC.Consent(ctx, u.ID, c.ID)
	if err != nil || !slices.Equal(got.Scopes, []string{"openid", "email"}) || got.ClientName != c.Name {
		t.Errorf("Consent = %+v, %v", got, err)
	}
	list, err := e.OIDC.Consents(ctx, u.ID)
	if err != nil || len(list) != 1 {
		t.Errorf("Consents = %v, %v; want one", list, err)
	}
	if err := e.OIDC.DeleteConsent(ctx, u.ID, c.ID); err != nil {
		t.Fatalf("DeleteConsent: %v", err)
	}
	if err := e.OIDC.DeleteConsent(ctx, u.ID, c.ID); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("DeleteConsent twice = %v, want ErrNotFound", err)
	}
}

package pages

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/bizy-auth/bizy/internal/auth"
	"github.com/bizy-auth/bizy/internal/input"
	"github.com/bizy-auth/bizy/internal/oidc"
)

// openIDRoutes are the pages of the OpenID provider (Config.OpenID): the
// start of /oauth/authorize, sign-in and consent for an app, the apps on
// the account page, and the clients in the admin console.
func (p *pages) openIDRoutes() map[string]handler {
	return map[string]handler{
		"GET /oauth/authorize":                  p.handleAuthorize,
		"GET " + oidc.ContinuePath:              p.handleContinue,
		"POST /ui/oauth/consent":                p.signedIn(p.handleConsent),
		"POST /ui/account/apps/{client}/revoke": p.signedIn(p.handleRevokeApp),
		"GET /ui/admin/clients":                 p.admin(p.handleAdminClients),
		"POST /ui/admin/clients":                p.admin(p.handleAdminCreateClient),
		"POST /ui/admin/clients/{id}/delete":    p.admin(p.handleAdminDeleteClient),
	}
}

// handleAuthorize answers an authorization request naming an unknown
// client or a redirect URI not its own with an error page: sending the
// browser there would make Bizy an open redirector. Anything else goes to
// the provider, which sends later errors to the app.
func (p *pages) handleAuthorize(w http.ResponseWriter, r *http.Request) error {
	err := p.cfg.OpenID.CheckAuthorize(r)
	if errors.Is(err, oidc.ErrBadAuthorize) {
		p.renderError(w, r, http.StatusBadRequest, "This sign-in link is not valid",
			"The app that sent you here is not registered with Bizy, or asked to send you back to an address it has not registered. Tell the app's developers.")
		return nil
	}
	if err != nil {
		return err
	}
	p.cfg.OpenID.ServeHTTP(w, r)
	return nil
}

// amrOf is what the page session proves, for the ID token's amr: the
// methods its sign-in used (["pwd"], ["pwd","otp"], ["pwd","recovery"],
// ["webauthn"]), the values Bizy's own access tokens carry. A session
// with none recorded was opened before amr was kept: a password.
func amrOf(ps *auth.PageSession) []string {
	if len(ps.AMR) == 0 {
		return []string{auth.AMRPassword}
	}
	return ps.AMR
}

// handleContinue takes an authorization request on from /oauth/authorize:
// a browser that must sign in (again) is sent to /ui/login and brought
// back, an app that is not first party gets the consent page, and then
// the browser goes back to the app with its code.
func (p *pages) handleContinue(w http.ResponseWriter, r *http.Request) error {
	id := r.URL.Query().Get("id")
	pd, err := p.pendingRequest(r, id)
	if err != nil {
		return p.requestGone(w, r, err)
	}
	v := visitorOf(r)
	if v.session == nil || pd.NeedsLogin(v.session.Session.CreatedAt, p.cfg.Now()) {
		if pd.PromptNone {
			return p.cfg.OpenID.Refuse(w, r, id, oidc.LoginRequired)
		}
		to := "/ui/login?return_to=" + url.QueryEscape(r.URL.RequestURI())
		if v.session != nil {
			to += "&prompt=login" // show the form though signed in
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	u := v.session.User
	if !pd.FirstParty || pd.PromptConsent {
		ok, err := p.cfg.OpenID.HasConsent(r.Context(), u.ID, pd.ClientID, pd.Scopes)
		if err != nil {
			return err
		}
		if !ok || pd.PromptConsent {
			if pd.PromptNone {
				return p.cfg.OpenID.Refuse(w, r, id, oidc.ConsentRequired)
			}
			return p.render(w, r, http.StatusOK, "consent", consentView{page: p.base(w, r, "Allow "+pd.ClientName+"?"),
				Request: pd, Scopes: describeScopes(pd.Scopes)})
		}
	}
	return p.cfg.OpenID.Finish(w, r, id, u.ID, v.session.Session.CreatedAt, amrOf(v.session))
}

// pendingRequest loads request id, or an error page that says the sign-in
// is over.
func (p *pages) pendingRequest(r *http.Request, id string) (oidc.Pending, error) {
	if !input.ValidID(id) {
		return oidc.Pending{}, errRequestGone
	}
	pd, err := p.cfg.OpenID.Pending(r.Context(), id)
	if errors.Is(err, auth.ErrNotFound) {
		return oidc.Pending{}, errRequestGone
	}
	return pd, err
}

// errRequestGone is an authorization request that is unknown, finished
// or too old.
var errRequestGone = errors.New("authorization request gone")

// requestGone answers errRequestGone with a page that says so; any other
// error goes on to fail.
func (p *pages) requestGone(w http.ResponseWriter, r *http.Request, err error) error {
	if !errors.Is(err, errRequestGone) {
		return err
	}
	p.renderError(w, r, http.StatusBadRequest, "This sign-in is over",
		"It was completed, cancelled or left too long. Go back to the app and sign in again.")
	return nil
}

type consentView struct {
	page
	Request oidc.Pending
	Scopes  []string
}

// describeScopes says in words what each scope shares.
func describeScopes(scopes []string) []string {
	words := map[string]string{
		"openid":         "Know who you are on Bizy",
		"profile":        "See your username",
		"email":          "See your email address",
		"offline_access": "Stay signed in when you are away",
	}
	var out []string
	for _, s := range scopes {
		if w, ok := words[s]; ok {
			out = append(out, w)
		}
	}
	return out
}

// handleConsent records the answer of the consent page: allow remembers
// it and goes on to the app with a code, deny sends access_denied.
func (p *pages) handleConsent(w http.ResponseWriter, r *http.Request) error {
	id := r.PostFormValue("id")
	pd, err := p.pendingRequest(r, id)
	if err != nil {
		return p.requestGone(w, r, err)
	}
	s := visitorOf(r).session
	if r.PostFormValue("decision") != "allow" {
		return p.cfg.OpenID.Refuse(w, r, id, oidc.AccessDenied)
	}
	if err := p.cfg.OpenID.SaveConsent(r.Context(), s.User.ID, pd.ClientID, pd.Scopes); err != nil {
		return err
	}
	return p.cfg.OpenID.Finish(w, r, id, s.User.ID, s.Session.CreatedAt, amrOf(s))
}

// handleRevokeApp withdraws the user's consent to an app and signs the
// app out.
func (p *pages) handleRevokeApp(w http.ResponseWriter, r *http.Request) error {
	client := r.PathValue("client")
	if !input.ValidID(client) {
		return auth.ErrNotFound
	}
	if err := p.cfg.OpenID.RevokeConsent(r.Context(), visitorOf(r).session.User.ID, client, p.client(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/account?m=app_revoked", http.StatusSeeOther)
	return nil
}

// apps lists the apps the user has allowed, and names the app of each
// session an app holds, for the account page.
func (p *pages) apps(r *http.Request, userID string) ([]oidc.Consent, map[string]string, error) {
	if p.cfg.OpenID == nil {
		return nil, nil, nil
	}
	consents, err := p.cfg.OpenID.Consents(r.Context(), userID)
	if err != nil {
		return nil, nil, err
	}
	sessions, err := p.cfg.OpenID.AppSessions(r.Context(), userID)
	return consents, sessions, err
}

type adminClientsView struct {
	page
	Clients []oidc.Client
	Form    *form
	Created *createdClient // the client just made, with its secret
}

type createdClient struct {
	oidc.Client
	Secret string
}

// handleAdminClients lists the OpenID clients, with the form that adds one.
func (p *pages) handleAdminClients(w http.ResponseWriter, r *http.Request) error {
	return p.renderClients(w, r, http.StatusOK, newForm("name", "redirect_uris"), nil)
}

func (p *pages) renderClients(w http.ResponseWriter, r *http.Request, status int, f *form, created *createdClient) error {
	cs, err := p.cfg.OpenID.Clients(r.Context())
	if err != nil {
		return err
	}
	v := adminClientsView{page: p.adminBase(w, r, "OpenID clients", "clients"), Clients: cs, Form: f, Created: created}
	return p.render(w, r, status, "admin_clients", v)
}

// handleAdminCreateClient registers a client and shows its secret once.
func (p *pages) handleAdminCreateClient(w http.ResponseWriter, r *http.Request) error {
	f := newForm("name", "redirect_uris").read(r, "name", "redirect_uris")
	f.require(map[string]string{"name": "the app's name", "redirect_uris": "at least one redirect URI"})
	if !f.OK() {
		return p.renderClients(w, r, http.StatusUnprocessableEntity, f, nil)
	}
	c, secret, err := p.cfg.OpenID.CreateClient(r.Context(), visitorOf(r).session.User.ID, oidc.NewClient{Name: f.Values["name"],
		RedirectURIs: strings.Fields(f.Values["redirect_uris"]),
		Public:       r.PostFormValue("public") == "true", FirstParty: r.PostFormValue("first_party") == "true",
		IDTokenAlg: r.PostFormValue("id_token_alg")}, p.client(r))
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		for field, msg := range ve.Fields {
			f.Errors[field] = map[string]string{"name": "Name ", "redirect_uris": "Redirect URIs ",
				"id_token_signed_response_alg": "The algorithm "}[field] + msg
		}
		return p.renderClients(w, r, http.StatusUnprocessableEntity, f, nil)
	}
	if err != nil {
		return err
	}
	return p.renderClients(w, r, http.StatusCreated, newForm("name", "redirect_uris"), &createdClient{c, secret})
}

// handleAdminDeleteClient removes a client and ends its sessions.
func (p *pages) handleAdminDeleteClient(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !input.ValidID(id) {
		return auth.ErrNotFound
	}
	if err := p.cfg.OpenID.DeleteClient(r.Context(), visitorOf(r).session.User.ID, id, p.client(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/admin/clients?m=client_deleted", http.StatusSeeOther)
	return nil
}

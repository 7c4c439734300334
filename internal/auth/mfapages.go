package auth

import (
	"context"

	"github.com/bizy-auth/bizy/token"
)

// PageLoginMFA is LoginMFA for a browser: the session it opens gets a
// cookie secret instead of handing out tokens (see PageLogin).
func (s *Service) PageLoginMFA(ctx context.Context, p MFAProof, c Client) (PageSession, error) {
	t, err := s.LoginMFA(ctx, p, c)
	if err != nil {
		return PageSession{}, err
	}
	return s.pageSession(ctx, t)
}

// PagePasskeyLogin is FinishPasskeyLogin for a browser.
func (s *Service) PagePasskeyLogin(ctx context.Context, flowID string, credential []byte, c Client) (PageSession, error) {
	t, err := s.FinishPasskeyLogin(ctx, flowID, credential, c)
	if err != nil {
		return PageSession{}, err
	}
	return s.pageSession(ctx, t)
}

// Level is the assurance level of the page session: aal2 after a second
// factor or a passkey.
func (ps PageSession) Level() string {
	if aalOf(ps.AMR) == token.AAL2 {
		return token.AAL2
	}
	return token.AAL1
}

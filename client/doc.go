// Package client calls the Bizy API and the Bizy auth service from Go.
//
// A Client from New holds no token and makes the calls that need none:
// Register, Login, Refresh, VerifyEmail, ForgotPassword and the like.
// Login returns the session's Tokens; WithTokens turns them into a Client
// that acts as that user, for the profile, sessions, tasks, goals and
// admin calls:
//
//	c, err := client.New(client.Config{APIURL: "http://localhost:8000"})
//	tok, err := c.Login(ctx, "alice", password)
//	alice := c.WithTokens(tok)
//	task, err := alice.CreateTask(ctx, client.NewTask{Title: "Ship it"})
//
// A service that already has a user's access token (from a request it is
// serving) uses c.WithTokens(client.Tokens{AccessToken: tok}) for that
// request. Clients made by WithTokens share their parent's configuration
// and connections, so making one per request is cheap.
//
// # Which service
//
// Config.APIURL is the Bizy API, the public origin: it serves tasks and
// goals and passes the auth calls on to the auth service under /api/auth/.
// A service inside the same network may instead set Config.AuthURL, the
// auth service itself: the auth calls then go there directly, at its own
// paths (/login), and the admin calls on users and events, which the API
// does not pass on, become available. Both may be set; a call that needs
// an unset one returns ErrNoAPIURL or ErrNoAuthURL.
//
// # Refreshing
//
// Access tokens live 15 minutes by default. A Client made by WithTokens
// with a refresh token renews them by itself: a call answered 401 makes it
// refresh once, keep the new tokens and repeat the call once. Concurrent
// calls share one refresh, since a refresh token works only once and a
// second use of it ends the session. Config.OnTokens hears of each new
// pair, for programs that store them.
//
// # Errors
//
// An answer outside 2xx is returned as a *Error: the RFC 9457 problem
// details the services send (Status, Code, Detail, Fields) with the
// answer's Retry-After and X-Request-ID. Switch on its stable Code:
//
//	_, err := c.Register(ctx, r)
//	var e *client.Error
//	if errors.As(err, &e) {
//		switch e.Code {
//		case client.CodeConflict: // e.Detail names the taken field
//		case client.CodeValidationFailed:
//			msg, _ := e.Field("password")
//		}
//	}
//
// CodeOf(err) gives the code alone.
//
// Transport failures are returned as the http.Client reports them, and
// the client's own refusals as ErrNoToken, ErrNoAPIURL, ErrNoAuthURL and
// ErrResponseTooLarge.
//
// Every method takes a context first and is safe for concurrent use. The
// package imports nothing of Bizy's internal packages, so other modules
// can use it.
package client

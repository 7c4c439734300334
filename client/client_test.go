package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bizy-auth/bizy/client"
)

func TestNewRefusesBadConfig(t *testing.T) {
	for _, cfg := range []client.Config{
		{},
		{APIURL: "localhost:8000"},
		{APIURL: "ftp://example.com"},
		{APIURL: "http://"},
		{AuthURL: "http://auth:4567?x=1"},
		{APIURL: "http://api:8000", AuthURL: "http://auth:4567/#top"},
		{APIURL: "http://api:8000/%zz"},
	} {
		if c, err := client.New(cfg); err == nil || c != nil {
			t.Errorf("New(%+v) = %v, %v; want an error", cfg, c, err)
		}
	}
}

// TestWhereCallsGo checks each base: through the API, straight to the auth
// service, both, and a base URL with a path.
func TestWhereCallsGo(t *testing.T) {
	b := startBizy(t)
	b.mustUser(t, "vic", false)
	prefixed := httptest.NewServer(http.StripPrefix("/bizy", b.API))
	t.Cleanup(prefixed.Close)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		cfg  client.Config
		want []string // the requests of Login, Profile, ListTasks
		// noAPI: ListTasks fails with ErrNoAPIURL, sending nothing.
		noAPI bool
	}{
		{"api", client.Config{APIURL: b.APIURL}, []string{
			"POST " + b.APIURL + "/api/auth/login", "GET " + b.APIURL + "/api/auth/profile", "GET " + b.APIURL + "/api/tasks"}, false},
		{"auth service", client.Config{AuthURL: b.AuthURL}, []string{
			"POST " + b.AuthURL + "/login", "GET " + b.AuthURL + "/profile"}, true},
		{"both", client.Config{APIURL: b.APIURL, AuthURL: b.AuthURL}, []string{
			"POST " + b.AuthURL + "/login", "GET " + b.AuthURL + "/profile", "GET " + b.APIURL + "/api/tasks"}, false},
		{"api under a path", client.Config{APIURL: prefixed.URL + "/bizy/"}, []string{
			"POST " + prefixed.URL + "/bizy/api/auth/login", "GET " + prefixed.URL + "/bizy/api/auth/profile",
			"GET " + prefixed.URL + "/bizy/api/tasks"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &transport{}
			tc.cfg.HTTPClient = tr.client()
			vic := login(t, b.newClient(t, tc.cfg), "vic")
			if _, err := vic.Profile(ctx); err != nil {
				t.Fatal(err)
			}
			_, err := vic.ListTasks(ctx, client.TaskQuery{})
			if tc.noAPI != errors.Is(err, client.ErrNoAPIURL) || (!tc.noAPI && err != nil) {
				t.Fatalf("ListTasks = %v", err)
			}
			if got := tr.sent(); !slices.Equal(got, tc.want) {
				t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestCallsThatNeedWhatIsMissing(t *testing.T) {
	b := startBizy(t)
	tr := &transport{}
	c := b.newClient(t, client.Config{AuthURL: b.AuthURL, HTTPClient: tr.client()})
	ctx := context.Background()
	if _, err := c.Profile(ctx); !errors.Is(err, client.ErrNoToken) {
		t.Errorf("Profile without a token = %v, want ErrNoToken", err)
	}
	if err := c.Logout(ctx); !errors.Is(err, client.ErrNoToken) {
		t.Errorf("Logout without a token = %v, want ErrNoToken", err)
	}
	tok := c.WithTokens(client.Tokens{AccessToken: "x"})
	if _, err := tok.VerifyToken(ctx); !errors.Is(err, client.ErrNoAPIURL) {
		t.Errorf("VerifyToken without APIURL = %v", err)
	}
	if _, err := c.AuthServerHealth(ctx); !errors.Is(err, client.ErrNoAPIURL) {
		t.Errorf("AuthServerHealth without APIURL = %v", err)
	}
	if _, err := tok.AdminStats(ctx); !errors.Is(err, client.ErrNoAPIURL) {
		t.Errorf("AdminStats without APIURL = %v", err)
	}
	// An id that path cleaning would turn into another resource.
	for _, id := range []string{"", ".", ".."} {
		if _, err := tok.GetUser(ctx, id); err == nil {
			t.Errorf("GetUser(%q) sent a request", id)
		}
	}
	if sent := tr.sent(); len(sent) != 0 {
		t.Fatalf("requests were sent: %v", sent)
	}
	// Any other id is one escaped path segment.
	_, err := tok.GetUser(ctx, "../profile")
	if sent := tr.sent(); len(sent) != 1 || !strings.HasSuffix(sent[0], "/admin/users/..%2Fprofile") {
		t.Fatalf("GetUser(../profile) sent %v", sent)
	}
	wantError(t, err, http.StatusUnauthorized, "")
}

func TestResponseBodyIsBounded(t *testing.T) {
	b := startBizy(t)
	walt := b.newUser(t, b.newClient(t, client.Config{MaxResponseBytes: 1000}), "walt")
	ctx := context.Background()
	if _, err := walt.CreateTask(ctx, client.NewTask{Title: "long", Description: strings.Repeat("x", 1000)}); !errors.Is(err, client.ErrResponseTooLarge) {
		t.Fatalf("CreateTask answered over the bound: %v, want ErrResponseTooLarge", err)
	}
	if page, err := walt.ListTasks(ctx, client.TaskQuery{}); !errors.Is(err, client.ErrResponseTooLarge) {
		t.Fatalf("ListTasks = %+v, %v; want ErrResponseTooLarge", page, err)
	}
	if _, err := walt.ListGoals(ctx, client.GoalQuery{}); err != nil {
		t.Fatalf("a small answer: %v", err)
	}
}

// TestAnswersThatAreNotProblems: a proxy in front of Bizy may answer with
// its own page; the client still gives a *Error with the status and any
// Retry-After, as an HTTP date too.
func TestAnswersThatAreNotProblems(t *testing.T) {
	retryAt := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Retry-After", retryAt)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("<h1>maintenance</h1>"))
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(client.Config{APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Login(context.Background(), "x", "y")
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 503 || e.Title != "Service Unavailable" || e.Code != "" || e.Detail != "" {
		t.Fatalf("err = %#v", err)
	}
	if e.RetryAfter < 59*time.Minute || e.RetryAfter > time.Hour {
		t.Fatalf("RetryAfter = %v, want about an hour", e.RetryAfter)
	}
	if got := e.Error(); got != "bizy: POST /api/auth/login: 503 Service Unavailable" {
		t.Fatalf("Error() = %q", got)
	}
}

func TestErrorText(t *testing.T) {
	b := startBizy(t)
	xena := b.newUser(t, b.newClient(t, client.Config{}), "xena")
	_, err := xena.CreateTask(context.Background(), client.NewTask{})
	if got, want := err.Error(), "bizy: POST /api/tasks: 422 validation_failed: title: is required"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if client.CodeOf(err) != client.CodeValidationFailed || client.CodeOf(errors.New("x")) != "" || client.CodeOf(nil) != "" {
		t.Fatal("CodeOf")
	}
}

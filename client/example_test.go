package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/bizy-auth/bizy/client"
)

func Example() {
	// A Bizy (API and auth service) started for this example; in
	// production APIURL is where the API runs, such as http://localhost:8000.
	bizy, err := newBizy()
	if err != nil {
		panic(err)
	}
	defer bizy.Close()
	if _, err := bizy.createUser("alice", false); err != nil { // as `bizy user create --verified` does
		panic(err)
	}

	ctx := context.Background()
	c, err := client.New(client.Config{APIURL: bizy.APIURL})
	if err != nil {
		panic(err)
	}
	tok, err := c.Login(ctx, "alice", "Tr1cky!Horse")
	if err != nil {
		panic(err)
	}
	alice := c.WithTokens(tok) // refreshes its tokens by itself when they expire

	for _, title := range []string{"Write the README", "Tag v1"} {
		if _, err := alice.CreateTask(ctx, client.NewTask{Title: title, Priority: client.PriorityHigh}); err != nil {
			panic(err)
		}
	}
	for task, err := range alice.AllTasks(ctx, client.TaskQuery{Status: client.TaskTodo}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(task.Title, task.Status, task.Priority)
	}

	// Refusals are *client.Error: problem details with a stable code.
	_, err = c.Register(ctx, client.Registration{Username: "Alice", Email: "alice2@example.com", Password: "Tr1cky!Horse"})
	var e *client.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status, e.Code, e.Detail)
	}
	_, err = alice.CreateTask(ctx, client.NewTask{Title: " "})
	if errors.As(err, &e) && e.Code == client.CodeValidationFailed {
		msg, _ := e.Field("title")
		fmt.Println("title", msg)
	}
	// Output:
	// Tag v1 todo high
	// Write the README todo high
	// 409 conflict username already taken
	// title is required
}

// A service that receives the Bizy user's own Bearer token calls the API
// as that user, with a Client made for the request.
func ExampleClient_WithTokens() {
	bizy, err := newBizy()
	if err != nil {
		panic(err)
	}
	defer bizy.Close()
	if _, err := bizy.createUser("bob", false); err != nil {
		panic(err)
	}
	c, err := client.New(client.Config{APIURL: bizy.APIURL})
	if err != nil {
		panic(err)
	}

	// The handler of the other service: one Client for the process, one
	// WithTokens per request.
	profile := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		u, err := c.WithTokens(client.Tokens{AccessToken: tok}).Profile(r.Context())
		var e *client.Error
		switch {
		case errors.Is(err, client.ErrNoToken), errors.As(err, &e) && e.Status == http.StatusUnauthorized:
			http.Error(w, "log in first", http.StatusUnauthorized)
		case err != nil:
			http.Error(w, "Bizy is unavailable", http.StatusBadGateway)
		default:
			fmt.Fprintf(w, "hello %s", u.Username)
		}
	})

	// Requests to it with bob's token, a bad one and none.
	tok, err := c.Login(context.Background(), "bob", "Tr1cky!Horse")
	if err != nil {
		panic(err)
	}
	for _, bearer := range []string{tok.AccessToken, "not-a-token", ""} {
		r := httptest.NewRequest("GET", "/profile", nil)
		r.Header.Set("Authorization", "Bearer "+bearer)
		w := httptest.NewRecorder()
		profile.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// 200 hello bob
	// 401 log in first
	// 401 log in first
}

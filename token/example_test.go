package token_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"time"

	"github.com/bizy-auth/bizy/token"
)

func Example() {
	// The auth service signs with its current key...
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer := token.NewEdDSASigner("2030-01", priv)
	now := time.Now()
	raw, err := signer.Sign(token.Claims{
		Issuer:    "bizy-auth",
		Subject:   "7c9e6679-7425-40de-944b-e07fc1f90ae7",
		UserID:    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
		Audience:  []string{"bizy"},
		SessionID: "b3c1a2f0",
		Username:  "alice",
		IssuedAt:  now,
		ExpiresAt: now.Add(15 * time.Minute),
	})
	if err != nil {
		panic(err)
	}

	// ...and another service checks tokens locally. In production Keys is
	// token.NewJWKS("http://auth:4567/.well-known/jwks.json", token.JWKSOptions{}).
	v, err := token.NewVerifier(token.Config{
		Algorithm: token.EdDSA,
		Keys:      token.StaticKeys{"2030-01": pub},
		Issuer:    "bizy-auth",
		Audience:  "bizy",
		CacheSize: 10_000,
	})
	if err != nil {
		panic(err)
	}
	c, err := v.Verify(context.Background(), raw)
	fmt.Println(c.Username, err)

	// Or guard handlers with the middleware.
	mux := http.NewServeMux()
	mux.Handle("GET /api/tasks", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := token.FromContext(r.Context())
		fmt.Fprintf(w, "tasks of %s", c.UserID)
	})))
	// Output: alice <nil>
}

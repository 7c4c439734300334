package token

import "context"

// ctxKey is unexported so only this package can set or read the claims.
type ctxKey struct{}

// NewContext returns a copy of ctx carrying c, for FromContext to find.
func NewContext(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// FromContext returns the claims NewContext (or Middleware) stored in ctx,
// and false if there are none.
func FromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(ctxKey{}).(*Claims)
	return c, ok && c != nil
}

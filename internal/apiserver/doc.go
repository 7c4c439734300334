// Package apiserver is the Bizy API's HTTP surface: each user's tasks and
// goals (through tasks.Service), a verify-token endpoint, admin stats, and a
// thin proxy that forwards /api/auth/* to the auth service.
//
// The API never calls the auth service to learn who a caller is: bearer
// tokens are checked locally by a token.Verifier, so requests with valid
// tokens keep working while the auth service is down. Only proxied auth
// operations and the health checks reach it, each bounded by a timeout, and
// they fail fast with a 503 problem when it does not answer.
//
// Every answer the API makes itself is JSON or an RFC 9457 problem; proxied
// answers pass through unchanged. Unknown JSON fields in request bodies are
// ignored, as web.Decode does for every Bizy server: a client may send back
// a whole object it read (with id and created_at) as a PATCH.
package apiserver

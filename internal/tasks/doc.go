// Package tasks holds the Bizy API's own domain: each user's tasks and goals,
// the rules they obey and the Service that applies them. Every read and
// write is scoped to one user: another user's task or goal is ErrNotFound,
// exactly like an id that does not exist.
//
// Like internal/auth it imports only the standard library and leaf packages
// (internal/fault, internal/invalid, internal/input, uuid); internal/sqlite
// and internal/postgres implement Store.
package tasks

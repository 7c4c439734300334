// Package deploy holds no code: its tests check the deployment files in this
// directory (docker-compose.yml, kubernetes/, forward-auth/traefik.yml) and
// the Dockerfile, since no Docker engine, Kubernetes cluster or Traefik runs
// where the tests do. The nginx and Caddy files of forward-auth/ run for
// real in cmd/bizy's tests.
//
// The checks read Bizy's settings through the binary's own config package:
// which environment variables exist comes from the flags config.Bind
// registers (SPEC.md: every setting has a flag, AUTH_ADDR is --auth-addr),
// and each value given to a service is resolved by the same loader the
// service starts with, in the service's mode. A setting added to or removed
// from the table is therefore followed without editing these tests.
package deploy

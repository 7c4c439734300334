// Package openapi holds the OpenAPI 3.1 documents of Bizy's two services,
// which each serves at GET /openapi.json: auth.json for the auth service
// and api.json for the API. Code generators and validators can read the
// files in this directory as they are; they are self-contained.
//
// The sources are the YAML files under src/: edit them, then run
// `go generate ./openapi` to rewrite the JSON. The package's test fails
// while the JSON is stale, and the servers' tests fail while a route is
// served but not documented, or documented but not served.
package openapi

import (
	"bytes"
	_ "embed"
	"net/http"
)

//go:generate go test -run TestGenerated -update .

var (
	//go:embed auth.json
	auth []byte
	//go:embed api.json
	api []byte
)

// Auth returns the auth service's document, as JSON.
func Auth() []byte { return bytes.Clone(auth) }

// API returns the API's document, as JSON.
func API() []byte { return bytes.Clone(api) }

// Handler serves doc as application/json. It is safe for concurrent use.
func Handler(doc []byte) http.Handler {
	return serve(bytes.Clone(doc))
}

// AuthHandler serves the auth service's document as Handler(Auth()) does,
// from the embedded bytes, which this package never hands out: no copy is
// made, and the document's pages are read only when it is asked for
// (Handler(Auth()) copied it twice at every start, 240 KB, and kept one
// copy on the heap). It is safe for concurrent use.
func AuthHandler() http.Handler { return serve(auth) }

// APIHandler serves the API's document as AuthHandler serves the auth
// service's.
func APIHandler() http.Handler { return serve(api) }

func serve(doc []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(doc)
	})
}

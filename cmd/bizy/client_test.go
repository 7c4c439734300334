package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestClientCommands: bizy client create prints the id and, for a
// confidential client only, the secret; list never shows secrets; delete
// removes; bad input names the fields.
func TestClientCommands(t *testing.T) {
	share(t)
	dir := dataDir(t)
	// Each command sets up the auth service, which hashes a password once
	// at BCRYPT_COST: the package's tests all hash at the least cost, 10.
	bizy := func(args ...string) (string, error) {
		return runCmd(t, "", append(args, "--data-dir", dir, "--bcrypt-cost", "10")...)
	}
	out, err := bizy("client", "create", "--name", "Grafana",
		"--redirect-uri", "https://grafana.example/login/generic_oauth", "--redirect-uri", "http://localhost:3000/login/generic_oauth")
	if err != nil {
		t.Fatal(err)
	}
	var conf map[string]string
	if err := json.Unmarshal([]byte(out), &conf); err != nil || conf["client_id"] == "" || len(conf["client_secret"]) < 40 {
		t.Fatalf("create printed %q (%v)", out, err)
	}
	out, err = bizy("client", "create", "--name", "SPA", "--redirect-uri", "https://spa.example/cb",
		"--public", "--first-party", "--id-token-alg", "EdDSA")
	var pub map[string]string
	if err != nil || json.Unmarshal([]byte(out), &pub) != nil || pub["client_secret"] != "" {
		t.Fatalf("public create: %v %q", err, out)
	}
	out, err = bizy("client", "list")
	if err != nil || !strings.Contains(out, conf["client_id"]) || !strings.Contains(out, `"EdDSA"`) || strings.Contains(out, conf["client_secret"]) {
		t.Fatalf("list: %v %s", err, out)
	}
	if _, err := bizy("client", "delete", conf["client_id"]); err != nil {
		t.Fatal(err)
	}
	if out, _ := bizy("client", "list"); strings.Contains(out, conf["client_id"]) {
		t.Errorf("deleted client still listed: %s", out)
	}
	_, err = bizy("client", "create", "--name", "x", "--redirect-uri", "http://evil.example/cb")
	if err == nil || !strings.Contains(err.Error(), "redirect_uris") {
		t.Errorf("http redirect on a public host: %v", err)
	}
}

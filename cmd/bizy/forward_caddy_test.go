package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// shippedCaddyfile is the Caddy configuration README's forward-auth
// section points people to; the test runs this very file.
const shippedCaddyfile = "../../deploy/forward-auth/Caddyfile"

// TestForwardAuthCaddy is TestForwardAuthNginx with Debian's Caddy and
// the shipped Caddyfile.
func TestForwardAuthCaddy(t *testing.T) {
	share(t)
	proxyPath(t, "caddy")
	testForwardAuth(t, startCaddy)
}

// startCaddy runs caddy on listen with deploy/forward-auth/Caddyfile,
// pointed at the Bizy API on api and the app on app, until the test ends:
// plain HTTP, no admin endpoint, its state in a temporary directory.
func startCaddy(t *testing.T, listen, api, app string) {
	t.Helper()
	bin := proxyPath(t, "caddy")
	conf := substitute(t, shippedCaddyfile, [][2]string{
		{"app.example.com {", "http://" + listen + " {"},
		{"forward_auth 127.0.0.1:8000 {", "forward_auth " + api + " {"},
		{"reverse_proxy 127.0.0.1:3000 {", "reverse_proxy " + app + " {"},
	})
	dir := t.TempDir()
	file := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(file, []byte("{\n\tadmin off\n}\n\n"+conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "run", "--adapter", "caddyfile", "--config", file)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	cmd.Stdout, cmd.Stderr = logs, logs
	runProxy(t, cmd, logs.String, listen)
}

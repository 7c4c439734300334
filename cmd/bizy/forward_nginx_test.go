package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// shippedNginxConf is the nginx configuration README's forward-auth
// section points people to; the test runs this very file.
const shippedNginxConf = "../../deploy/forward-auth/nginx.conf"

// startNginx runs nginx on listen with deploy/forward-auth/nginx.conf,
// pointed at the Bizy API on api and the app on app, until the test ends.
func startNginx(t *testing.T, listen, api, app string) {
	t.Helper()
	runNginx(t, substitute(t, shippedNginxConf, [][2]string{
		{"server 127.0.0.1:8000;", "server " + api + ";"},
		{"server 127.0.0.1:3000;", "server " + app + ";"},
		{"listen 80;", "listen " + listen + ";"},
	}), listen)
}

// runNginx runs Debian's nginx with conf in its http block until the test
// ends, and waits until it listens on each address of listens. It fails
// the test when nginx -t refuses conf.
func runNginx(t *testing.T, conf string, listens ...string) {
	t.Helper()
	bin := proxyPath(t, "nginx")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bizy.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// The main configuration a distribution would have, with every path in
	// dir; nginx runs in the foreground, one process, stopped by the test.
	main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 512; }
http {
    access_log %[1]s/access.log;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/bizy.conf;
}
`, dir)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o600); err != nil {
		t.Fatal(err)
	}
	errLog := filepath.Join(dir, "error.log")
	out, err := exec.Command(bin, "-t", "-p", dir, "-e", errLog, "-c", filepath.Join(dir, "nginx.conf")).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s\n%s", err, out, conf)
	}
	cmd := exec.Command(bin, "-p", dir, "-e", errLog, "-c", filepath.Join(dir, "nginx.conf"))
	runProxy(t, cmd, func() string {
		b, _ := os.ReadFile(errLog)
		return string(b)
	}, listens...)
}

// TestForwardAuthNginx puts Debian's nginx, configured by the shipped
// deploy/forward-auth/nginx.conf, in front of a test app, with `bizy
// serve` as the forward-auth check: a signed-out browser is sent to the
// sign-in page and back; a signed-in one (page cookie or Bearer token)
// reaches the app with its identity in the X-Bizy-* headers and without
// Bizy's session cookie; identity headers a client makes up never reach
// the app; and a revoked session is refused once the revocation feed has
// it.
func TestForwardAuthNginx(t *testing.T) {
	share(t)
	proxyPath(t, "nginx")
	testForwardAuth(t, startNginx)
}

package deploy

import (
	"context"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/bizy-auth/bizy/internal/config"
)

// hs256Env is a shell environment that switches the compose file to HS256.
var hs256Env = map[string]string{"JWT_ALGORITHM": "HS256", "JWT_SECRET": strings.Repeat("k", 40)}

// loadCompose loads content as `docker compose -f deploy/docker-compose.yml`
// would, with the Compose Specification's loader and schema, shell holding
// the variables it interpolates (no .env file, no OS environment).
func loadCompose(content []byte, shell map[string]string) (*types.Project, error) {
	dir, err := filepath.Abs(".")
	if err != nil {
		return nil, err
	}
	return loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "docker-compose.yml"), Content: content}},
		Environment: shell,
	})
}

func mustLoadCompose(t *testing.T, shell map[string]string) *types.Project {
	t.Helper()
	b, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := loadCompose(b, shell)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
}

// bizyService is a compose service that runs the bizy image, with what the
// binary would make of its environment.
type bizyService struct {
	types.ServiceConfig
	env map[string]string // the container's: the image's ENV, then the service's
	cfg config.Config
	err error // the config loader's, naming each bad setting
}

// bizyServices returns the services built from ../Dockerfile, by name.
func bizyServices(p *types.Project, img dockerfile) map[string]bizyService {
	root, _ := filepath.Abs("..")
	out := map[string]bizyService{}
	for name, s := range p.Services {
		if s.Build == nil || filepath.Join(s.Build.Context, s.Build.Dockerfile) != filepath.Join(root, "Dockerfile") {
			continue
		}
		env := map[string]string{}
		for k, v := range img.env {
			env[k] = v
		}
		for k, v := range s.Environment {
			if v != nil { // nil: passed from the shell, where it was not set
				env[k] = *v
			}
		}
		b := bizyService{ServiceConfig: s, env: env}
		b.cfg, b.err = loadConfig(modeOf(s.Command), env)
		out[name] = b
	}
	return out
}

// checkCompose returns every way p departs from what Bizy needs of it; img
// is the image the bizy services are built from, known the settings bizy reads.
func checkCompose(p *types.Project, img dockerfile, known map[string]bool) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	for name, want := range map[string]string{"postgres": "postgres:16", "redis": "redis:7", "mailpit": "axllent/mailpit"} {
		s, ok := p.Services[name]
		if !ok {
			add("no %s service", name)
			continue
		}
		if !imageIs(s.Image, want) {
			add("%s: image %q, want %s", name, s.Image, want)
		}
	}
	for _, name := range p.ServiceNames() {
		s := p.Services[name]
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) < 2 {
			add("%s: no health check", name)
		}
		if !slices.Contains([]string{"always", "unless-stopped", "on-failure"}, s.Restart) {
			add("%s: restart %q, want unless-stopped or always", name, s.Restart)
		}
		for dep, d := range s.DependsOn {
			if d.Condition != types.ServiceConditionHealthy {
				add("%s: depends on %s with condition %q, want service_healthy", name, dep, d.Condition)
			}
		}
		if s.NetworkMode == "host" {
			add("%s: network_mode host publishes every port it listens on", name)
		}
	}
	problems = append(problems, checkComposeVolumes(p)...)
	bizy := bizyServices(p, img)
	problems = append(problems, checkComposePorts(p, bizy)...)
	for _, want := range []struct {
		name string
		mode config.Mode
	}{{"auth", config.ModeAuth}, {"api", config.ModeAPI}} {
		s, ok := bizy[want.name]
		if !ok {
			add("no %s service built from ../Dockerfile", want.name)
			continue
		}
		if m := modeOf(s.Command); m != want.mode {
			add("%s: command %q runs bizy %s", want.name, s.Command, m)
		}
	}
	for _, name := range sortedKeys(bizy) {
		problems = append(problems, checkBizyService(p, name, bizy[name], img, known)...)
	}
	if auth, api := bizy["auth"], bizy["api"]; auth.err == nil && api.err == nil && auth.Name != "" && api.Name != "" {
		problems = append(problems, checkAuthAndAPI(p, auth, api)...)
	}
	return problems
}

// checkBizyService checks one service running bizy: its settings, its
// health check, what it waits for, and its DATA_DIR.
func checkBizyService(p *types.Project, name string, s bizyService, img dockerfile, known map[string]bool) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, n := range unknownNames(s.env, known) {
		add("%s: %s is not a setting bizy knows", name, n)
	}
	if s.err != nil {
		add("%s: bizy %s would refuse to start:\n%v", name, modeOf(s.Command), s.err)
		return problems
	}
	listen := s.cfg.APIAddr
	if modeOf(s.Command) == config.ModeAuth {
		listen = s.cfg.AuthAddr
	}
	if hc := healthURL(s.HealthCheck); hc == "" {
		add("%s: the health check calls no http URL", name)
	} else if _, port := urlHostPort(hc); port != addrPort(listen) {
		add("%s: the health check calls %s, bizy listens on %s", name, hc, listen)
	}
	if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") || !slices.Contains(s.SecurityOpt, "no-new-privileges:true") {
		add("%s: want read_only, cap_drop ALL and no-new-privileges, as on Kubernetes", name)
	}
	// Whatever it reaches by name must be healthy before it starts.
	hosts := []string{s.cfg.SMTPHost}
	for _, raw := range []string{s.cfg.DatabaseURL, s.cfg.RedisURL, s.cfg.AuthServerURL} {
		host, _ := urlHostPort(raw)
		hosts = append(hosts, host)
	}
	for _, host := range hosts {
		if _, isService := p.Services[host]; !isService || host == name {
			continue
		}
		if d, ok := s.DependsOn[host]; !ok || d.Condition != types.ServiceConditionHealthy {
			add("%s: reaches %s but does not wait for it to be healthy (depends_on)", name, host)
		}
	}
	return append(problems, checkDataDir(name, s, img)...)
}

// checkDataDir checks that the container's DATA_DIR is one bizy accepts
// (not open to group or others) and can write.
func checkDataDir(name string, s bizyService, img dockerfile) []string {
	if s.cfg.DataDirAllowShared {
		return nil
	}
	dir := path.Clean(s.cfg.DataDir)
	if s.User != "" && s.User != img.user {
		return []string{fmt.Sprintf("%s: user %q, but the image's DATA_DIR belongs to %q", name, s.User, img.user)}
	}
	imageDir := path.Clean(img.env["DATA_DIR"])
	for _, v := range s.Volumes {
		if path.Clean(v.Target) != dir {
			continue
		}
		switch {
		case v.Type == types.VolumeTypeBind:
			return []string{fmt.Sprintf("%s: DATA_DIR %s is a bind mount, whose mode this file cannot promise; "+
				"use a named volume (it starts as the image's 0700 %s) or set DATA_DIR_ALLOW_SHARED", name, dir, imageDir)}
		case v.Type == types.VolumeTypeTmpfs && (v.Tmpfs == nil || v.Tmpfs.Mode == 0 || v.Tmpfs.Mode&0o077 != 0):
			return []string{fmt.Sprintf("%s: DATA_DIR %s is a tmpfs open to others (set tmpfs.mode 0700)", name, dir)}
		case v.Type == types.VolumeTypeVolume && v.Volume != nil && v.Volume.NoCopy:
			return []string{fmt.Sprintf("%s: DATA_DIR %s is a volume with nocopy: it does not start as the image's private directory", name, dir)}
		case v.Type == types.VolumeTypeTmpfs:
			return nil
		}
	}
	if dir != imageDir {
		return []string{fmt.Sprintf("%s: DATA_DIR %s is not the image's private %s", name, dir, imageDir)}
	}
	return nil // the image's own directory, or a volume that starts as a copy of it
}

// checkComposeVolumes checks that PostgreSQL keeps its data in a named
// volume the file declares.
func checkComposeVolumes(p *types.Project) []string {
	s, ok := p.Services["postgres"]
	if !ok {
		return nil
	}
	pgdata := "/var/lib/postgresql/data"
	if v := s.Environment["PGDATA"]; v != nil {
		pgdata = *v
	}
	for _, v := range s.Volumes {
		if path.Clean(v.Target) != pgdata || v.Type != types.VolumeTypeVolume {
			continue
		}
		if _, declared := p.Volumes[v.Source]; declared {
			return nil
		}
	}
	return []string{fmt.Sprintf("postgres: %s is not on a named volume declared under volumes", pgdata)}
}

// checkComposePorts checks that only the API is published, and Mailpit's
// web UI on this machine alone.
func checkComposePorts(p *types.Project, bizy map[string]bizyService) []string {
	var problems []string
	for _, name := range p.ServiceNames() {
		for _, port := range p.Services[name].Ports {
			switch {
			case name == "api" && bizy[name].err == nil && int(port.Target) == addrPort(bizy[name].cfg.APIAddr):
			case name == "mailpit" && int(port.Target) == mailpitPort(p.Services[name], "MP_UI_BIND_ADDR", 8025):
				if ip := net.ParseIP(port.HostIP); ip == nil || !ip.IsLoopback() {
					problems = append(problems, fmt.Sprintf("mailpit: web UI published on %q: it shows reset links, bind it to 127.0.0.1", port.HostIP))
				}
			default:
				problems = append(problems, fmt.Sprintf("%s: publishes port %d; only the API (and Mailpit's web UI) may be", name, port.Target))
			}
		}
	}
	return problems
}

// checkAuthAndAPI checks what the two services must agree on: token
// settings, where the API finds auth, where mail links point, and mail.
func checkAuthAndAPI(p *types.Project, auth, api bizyService) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	a, b := auth.cfg, api.cfg
	if s := tokenMismatch(a, b); s != "" {
		add("%s", s)
	}
	if a.JWTAlgorithm == "HS256" && a.JWTSecret != b.JWTSecret {
		add("auth and api have different JWT_SECRETs under HS256")
	}
	if host, port := urlHostPort(b.AuthServerURL); host != "auth" || port != addrPort(a.AuthAddr) {
		add("api: AUTH_SERVER_URL %s, but auth listens on %s in service auth", b.AuthServerURL, a.AuthAddr)
	}
	if host, port := urlHostPort(a.PublicURL); host == "localhost" || host == "127.0.0.1" {
		if !slices.ContainsFunc(api.Ports, func(pc types.ServicePortConfig) bool { return pc.Published == strconv.Itoa(port) }) {
			add("auth: PUBLIC_URL %s is not the API's published port: mail links would not open", a.PublicURL)
		}
	}
	mailpit, ok := p.Services["mailpit"]
	if !ok {
		return problems
	}
	smtp, ui := mailpitPort(mailpit, "MP_SMTP_BIND_ADDR", 1025), mailpitPort(mailpit, "MP_UI_BIND_ADDR", 8025)
	if smtp != 1025 || ui != 8025 {
		add("mailpit: SMTP on %d and web UI on %d, want 1025 and 8025", smtp, ui)
	}
	if a.SMTPHost != "mailpit" || a.SMTPPort != smtp {
		add("auth: sends mail to %s:%d, mailpit listens on %d", a.SMTPHost, a.SMTPPort, smtp)
	}
	return problems
}

// mailpitPort returns the port of one of Mailpit's bind addresses.
func mailpitPort(s types.ServiceConfig, env string, def int) int {
	if v := s.Environment[env]; v != nil {
		return addrPort(*v)
	}
	return def
}

// healthURL returns the http URL a health check calls, or "".
func healthURL(hc *types.HealthCheckConfig) string {
	if hc == nil {
		return ""
	}
	for _, arg := range hc.Test {
		for _, f := range strings.Fields(arg) {
			if strings.HasPrefix(f, "http://") || strings.HasPrefix(f, "https://") {
				return f
			}
		}
	}
	return ""
}

// imageIs reports whether image is want's repository, and want's tag or a
// more precise one (postgres:16 accepts postgres:16.4 and postgres:16-alpine).
func imageIs(image, want string) bool {
	repo, tag, _ := strings.Cut(image, ":")
	wantRepo, wantTag, _ := strings.Cut(want, ":")
	if repo != wantRepo && repo != "docker.io/library/"+wantRepo && repo != "docker.io/"+wantRepo {
		return false
	}
	return wantTag == "" || tag == wantTag || strings.HasPrefix(tag, wantTag+".") || strings.HasPrefix(tag, wantTag+"-")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestCompose(t *testing.T) {
	t.Parallel()
	known := mustKnow(t, "JWT_ALGORITHM", "JWT_SECRET", "DATA_DIR", "DATA_DIR_ALLOW_SHARED")
	img := readDockerfile(t, "../Dockerfile")
	for _, tc := range []struct {
		name  string
		shell map[string]string
	}{{"default EdDSA", nil}, {"HS256 from the shell", hs256Env}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustLoadCompose(t, tc.shell)
			for _, problem := range checkCompose(p, img, known) {
				t.Error(problem)
			}
			bizy := bizyServices(p, img)
			if want := tc.shell["JWT_ALGORITHM"]; want != "" && bizy["auth"].cfg.JWTAlgorithm != want {
				t.Errorf("auth signs with %s, the shell asked for %s", bizy["auth"].cfg.JWTAlgorithm, want)
			}
		})
	}
}

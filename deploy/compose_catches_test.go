package deploy

import (
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// editService applies edit to the named service of p.
func editService(p *types.Project, name string, edit func(s *types.ServiceConfig)) {
	s := p.Services[name]
	edit(&s)
	p.Services[name] = s
}

// setEnv sets (or, with "", removes) an environment variable of a service.
func setEnv(p *types.Project, name, key, value string) {
	editService(p, name, func(s *types.ServiceConfig) {
		s.Environment = maps.Clone(s.Environment) // the anchor's map is shared by auth and api
		if value == "" {
			delete(s.Environment, key)
			return
		}
		s.Environment[key] = &value
	})
}

// TestComposeCheckCatches proves each compose check fails on a file broken
// in one place: the file as loaded, then one thing changed.
func TestComposeCheckCatches(t *testing.T) {
	t.Parallel()
	known := knownSettings()
	img := readDockerfile(t, "../Dockerfile")
	volume := func(typ, target string) func(p *types.Project) {
		return func(p *types.Project) {
			editService(p, "auth", func(s *types.ServiceConfig) {
				v := types.ServiceVolumeConfig{Type: typ, Source: "somewhere", Target: target}
				switch typ {
				case types.VolumeTypeVolume:
					v.Volume = &types.ServiceVolumeVolume{NoCopy: true}
				case types.VolumeTypeTmpfs:
					v.Source, v.Tmpfs = "", &types.ServiceVolumeTmpfs{}
				}
				s.Volumes = append(s.Volumes, v)
			})
		}
	}
	for _, tc := range []struct {
		name  string
		shell map[string]string
		brk   func(p *types.Project)
		want  string
	}{
		{"no postgres", nil, func(p *types.Project) { delete(p.Services, "postgres") }, "no postgres service"},
		{"postgres 15", nil, func(p *types.Project) {
			editService(p, "postgres", func(s *types.ServiceConfig) { s.Image = "postgres:15" })
		}, `postgres: image "postgres:15"`},
		{"redis unchecked", nil, func(p *types.Project) {
			editService(p, "redis", func(s *types.ServiceConfig) { s.HealthCheck = nil })
		}, "redis: no health check"},
		{"auth not restarted", nil, func(p *types.Project) {
			editService(p, "auth", func(s *types.ServiceConfig) { s.Restart = "" })
		}, "auth: restart"},
		{"api starts once auth started", nil, func(p *types.Project) {
			editService(p, "api", func(s *types.ServiceConfig) {
				s.DependsOn = map[string]types.ServiceDependency{"auth": {Condition: types.ServiceConditionStarted}}
			})
		}, `depends on auth with condition "service_started"`},
		{"api does not wait for postgres", nil, func(p *types.Project) {
			editService(p, "api", func(s *types.ServiceConfig) { delete(s.DependsOn, "postgres") })
		}, "api: reaches postgres"},
		{"auth published", nil, func(p *types.Project) {
			editService(p, "auth", func(s *types.ServiceConfig) {
				s.Ports = append(s.Ports, types.ServicePortConfig{Target: 4567, Published: "4567"})
			})
		}, "auth: publishes port 4567"},
		{"redis published", nil, func(p *types.Project) {
			editService(p, "redis", func(s *types.ServiceConfig) {
				s.Ports = append(s.Ports, types.ServicePortConfig{Target: 6379, Published: "6379"})
			})
		}, "redis: publishes port 6379"},
		{"mailpit UI on every interface", nil, func(p *types.Project) {
			editService(p, "mailpit", func(s *types.ServiceConfig) { s.Ports[0].HostIP = "" })
		}, "mailpit: web UI published"},
		{"postgres data in the container", nil, func(p *types.Project) {
			editService(p, "postgres", func(s *types.ServiceConfig) { s.Volumes = nil })
		}, "postgres: /var/lib/postgresql/data is not on a named volume"},
		{"unknown setting", nil, func(p *types.Project) { setEnv(p, "auth", "JWT_ALGO", "HS256") },
			"auth: JWT_ALGO is not a setting"},
		{"refused value", nil, func(p *types.Project) { setEnv(p, "api", "BCRYPT_COST", "9") }, "BCRYPT_COST: must be between"},
		{"issuers differ", nil, func(p *types.Project) { setEnv(p, "api", "JWT_ISSUER", "someone-else") },
			`api expects EdDSA for iss "someone-else"`},
		{"HS256 secrets differ", hs256Env, func(p *types.Project) { setEnv(p, "api", "JWT_SECRET", strings.Repeat("x", 40)) },
			"different JWT_SECRETs"},
		{"HS256 on one side", nil, func(p *types.Project) {
			setEnv(p, "api", "JWT_ALGORITHM", "HS256")
			setEnv(p, "api", "JWT_SECRET", strings.Repeat("x", 40))
		}, "auth signs EdDSA tokens"},
		{"health check on the wrong port", nil, func(p *types.Project) {
			editService(p, "api", func(s *types.ServiceConfig) {
				s.HealthCheck.Test = types.HealthCheckTest{"CMD", "/bizy", "health", "http://127.0.0.1:4567/health"}
			})
		}, "api: the health check calls http://127.0.0.1:4567/health"},
		{"api looks for auth elsewhere", nil, func(p *types.Project) { setEnv(p, "api", "AUTH_SERVER_URL", "http://auth:8000") },
			"api: AUTH_SERVER_URL http://auth:8000"},
		{"mail links to the unpublished auth port", nil, func(p *types.Project) {
			setEnv(p, "auth", "PUBLIC_URL", "http://localhost:4567")
		}, "auth: PUBLIC_URL"},
		{"SMTP port not mailpit's", nil, func(p *types.Project) { setEnv(p, "auth", "SMTP_PORT", "2525") }, "auth: sends mail to mailpit:2525"},
		{"mailpit SMTP moved", nil, func(p *types.Project) { setEnv(p, "mailpit", "MP_SMTP_BIND_ADDR", "0.0.0.0:2525") },
			"mailpit: SMTP on 2525"},
		{"DATA_DIR a bind mount", nil, volume(types.VolumeTypeBind, "/data"), "DATA_DIR /data is a bind mount"},
		{"DATA_DIR a tmpfs open to all", nil, volume(types.VolumeTypeTmpfs, "/data"), "tmpfs open to others"},
		{"DATA_DIR a volume without the image's copy", nil, volume(types.VolumeTypeVolume, "/data"), "nocopy"},
		{"DATA_DIR elsewhere", nil, func(p *types.Project) { setEnv(p, "auth", "DATA_DIR", "/tmp/bizy") },
			"DATA_DIR /tmp/bizy is not the image's private /data"},
		{"another user", nil, func(p *types.Project) {
			editService(p, "api", func(s *types.ServiceConfig) { s.User = "1000" })
		}, `api: user "1000"`},
		{"writable root", nil, func(p *types.Project) {
			editService(p, "auth", func(s *types.ServiceConfig) { s.ReadOnly = false })
		}, "auth: want read_only"},
		{"host network", nil, func(p *types.Project) {
			editService(p, "redis", func(s *types.ServiceConfig) { s.NetworkMode = "host" })
		}, "redis: network_mode host"},
		{"auth runs both services", nil, func(p *types.Project) {
			editService(p, "auth", func(s *types.ServiceConfig) { s.Command = types.ShellCommand{"serve"} })
		}, "runs bizy serve"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := mustLoadCompose(t, tc.shell)
			tc.brk(p)
			assertProblem(t, checkCompose(p, img, known), tc.want)
		})
	}
}

// TestComposeSharedDataDirAllowed checks the override the binary offers:
// with DATA_DIR_ALLOW_SHARED a bind-mounted DATA_DIR is no problem.
func TestComposeSharedDataDirAllowed(t *testing.T) {
	t.Parallel()
	p := mustLoadCompose(t, nil)
	editService(p, "auth", func(s *types.ServiceConfig) {
		s.Volumes = append(s.Volumes, types.ServiceVolumeConfig{Type: types.VolumeTypeBind, Source: "/srv/bizy", Target: "/data"})
	})
	setEnv(p, "auth", "DATA_DIR_ALLOW_SHARED", "true")
	for _, problem := range checkCompose(p, readDockerfile(t, "../Dockerfile"), knownSettings()) {
		t.Error(problem)
	}
}

// TestComposeLoaderRefuses checks that the file goes through the Compose
// Specification's schema: a misspelt key is an error, not ignored.
func TestComposeLoaderRefuses(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), "    healthcheck:", "    healthchek:", 1)
	if broken == string(b) {
		t.Fatal("no healthcheck to misspell")
	}
	if _, err := loadCompose([]byte(broken), nil); err == nil || !strings.Contains(err.Error(), "healthchek") {
		t.Errorf("loading a file with healthchek: %v, want an error naming it", err)
	}
}

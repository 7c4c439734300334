package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// byName returns the named object of list, or fails the test.
func byName[T interface{ name() string }](t *testing.T, list []T, name string) T {
	t.Helper()
	for _, o := range list {
		if o.name() == name {
			return o
		}
	}
	t.Fatalf("no %s in the manifests", name)
	panic("unreachable")
}

func (h header) name() string { return h.Metadata.Name }

// main returns the first container of a Deployment's pods.
func (d *deployment) main() *container { return &d.Spec.Template.Spec.Containers[0] }

// setEnvVar gives a container's variable a plain value, replacing any
// other source of it.
func (c *container) setEnvVar(name, value string) {
	for i := range c.Env {
		if c.Env[i].Name == name {
			c.Env[i].Value, c.Env[i].ValueFrom = value, nil
			return
		}
	}
	c.Env = append(c.Env, c.Env[0])
	c.Env[len(c.Env)-1].Name, c.Env[len(c.Env)-1].Value, c.Env[len(c.Env)-1].ValueFrom = name, value, nil
}

// secretRef returns the Secret reference of a container's variable.
func (c *container) secretRef(t *testing.T, name string) *keyRef {
	t.Helper()
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			return e.ValueFrom.SecretKeyRef
		}
	}
	t.Fatalf("container %s: no %s from a Secret", c.Name, name)
	return nil
}

// TestKubernetesCheckCatches proves each Kubernetes check fails on the
// manifests broken in one place: decoded as they are, then one thing changed.
func TestKubernetesCheckCatches(t *testing.T) {
	t.Parallel()
	known := knownSettings()
	img := readDockerfile(t, "../Dockerfile")
	type edit = func(t *testing.T, m *manifests)
	auth := func(t *testing.T, m *manifests) *deployment { return byName(t, m.deployments, "bizy-auth") }
	api := func(t *testing.T, m *manifests) *deployment { return byName(t, m.deployments, "bizy-api") }
	migrate := func(t *testing.T, m *manifests) *job { return byName(t, m.jobs, "bizy-migrate") }
	config := func(t *testing.T, m *manifests) *configMap { return byName(t, m.configMaps, "bizy-config") }
	for _, tc := range []struct {
		name string
		brk  edit
		want string
	}{
		{"readiness on another path", func(t *testing.T, m *manifests) { auth(t, m).main().ReadinessProbe.HTTPGet.Path = "/healthz" },
			"readinessProbe gets /healthz"},
		{"liveness on another port", func(t *testing.T, m *manifests) {
			auth(t, m).main().LivenessProbe.HTTPGet.Port = intOrString{Int: 8000}
		},
			"livenessProbe gets /health on port 8000"},
		{"no liveness probe", func(t *testing.T, m *manifests) { api(t, m).main().LivenessProbe = nil }, "api/api: no livenessProbe"},
		{"listens elsewhere than its containerPort", func(t *testing.T, m *manifests) { auth(t, m).main().setEnvVar("AUTH_ADDR", ":9000") },
			"no containerPort 9000"},
		{"unknown variable", func(t *testing.T, m *manifests) { api(t, m).main().setEnvVar("JWT_ALGO", "HS256") },
			"JWT_ALGO is not a setting"},
		{"unknown ConfigMap key", func(t *testing.T, m *manifests) { config(t, m).Data["SMTP_SERVER"] = "mail" },
			"auth/auth: SMTP_SERVER is not a setting"},
		{"refused ConfigMap value", func(t *testing.T, m *manifests) { config(t, m).Data["JWT_ALGORITHM"] = "RS256" },
			"JWT_ALGORITHM: must be EdDSA or HS256"},
		{"auth on a LoadBalancer", func(t *testing.T, m *manifests) { byName(t, m.services, "bizy-auth").Spec.Type = "LoadBalancer" },
			"Service bizy-auth (type \"LoadBalancer\") exposes auth"},
		{"auth on a node port", func(t *testing.T, m *manifests) { byName(t, m.services, "bizy-auth").Spec.Ports[0].NodePort = 30567 },
			"exposes auth outside the cluster"},
		{"any namespace reaches auth", func(t *testing.T, m *manifests) {
			byName(t, m.networkPolicies, "bizy-auth").Spec.Ingress[0].From[0].NamespaceSelector = &labelSelector{}
		}, "NetworkPolicy bizy-auth admits more than the API's pods"},
		{"no network policy", func(t *testing.T, m *manifests) { m.networkPolicies = nil }, "no NetworkPolicy limits"},
		{"Service selects nothing", func(t *testing.T, m *manifests) {
			byName(t, m.services, "bizy-api").Spec.Selector["app.kubernetes.io/component"] = "apí"
		}, "api/api: 0 Services select its pods"},
		{"Service targets another port", func(t *testing.T, m *manifests) {
			byName(t, m.services, "bizy-auth").Spec.Ports[0].TargetPort = intOrString{Int: 8000}
		}, "Service bizy-auth port 4567 targets"},
		{"PDB selects nothing", func(t *testing.T, m *manifests) {
			byName(t, m.pdbs, "bizy-auth").Spec.Selector.MatchLabels["app.kubernetes.io/component"] = "auht"
		}, "auth/auth: 0 PodDisruptionBudgets"},
		{"PDB blocks every drain", func(t *testing.T, m *manifests) { byName(t, m.pdbs, "bizy-api").Spec.MinAvailable.Int = 2 },
			"PodDisruptionBudget bizy-api: want minAvailable"},
		{"selector misses the pods", func(t *testing.T, m *manifests) {
			auth(t, m).Spec.Selector.MatchLabels = map[string]string{"app": "auth"}
		}, "does not select its own pods"},
		{"selector takes the other's pods", func(t *testing.T, m *manifests) {
			api(t, m).Spec.Selector.MatchLabels = map[string]string{"app.kubernetes.io/name": "bizy"}
		}, "selector also selects Deployment bizy-auth's pods"},
		{"one copy", func(t *testing.T, m *manifests) { *auth(t, m).Spec.Replicas = 1 }, "replicas: want at least 2"},
		{"writable root", func(t *testing.T, m *manifests) { *api(t, m).main().SecurityContext.ReadOnlyRootFilesystem = false },
			"api/api: securityContext"},
		{"privilege escalation", func(t *testing.T, m *manifests) {
			migrate(t, m).Spec.Template.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
		},
			"Job/bizy-migrate/migrate: securityContext"},
		{"maybe root", func(t *testing.T, m *manifests) { auth(t, m).Spec.Template.Spec.SecurityContext.RunAsNonRoot = nil },
			"auth/auth: pod securityContext"},
		{"no requests", func(t *testing.T, m *manifests) { api(t, m).main().Resources.Requests = nil }, "api/api: no cpu request"},
		{"host port", func(t *testing.T, m *manifests) { auth(t, m).main().Ports[0].HostPort = 4567 }, "hostPort 4567"},
		{"another image", func(t *testing.T, m *manifests) { api(t, m).main().Image = "busybox" }, `runs "busybox"`},
		{"Secret key not in the template", func(t *testing.T, m *manifests) { api(t, m).main().secretRef(t, "DATABASE_URL").Key = "DB_URL" },
			"key DB_URL of Secret bizy-secrets is not in secret.example.yaml"},
		{"Secret via envFrom", func(t *testing.T, m *manifests) {
			c := api(t, m).main()
			c.EnvFrom = append(c.EnvFrom, c.EnvFrom[0])
			c.EnvFrom[1].ConfigMapRef, c.EnvFrom[1].SecretRef = nil, &objectRef{Name: "bizy-secrets"}
		}, "envFrom Secret bizy-secrets"},
		{"HS256 on one side", func(t *testing.T, m *manifests) { api(t, m).main().setEnvVar("JWT_ALGORITHM", "HS256") },
			"auth signs EdDSA tokens"},
		{"HS256 without a secret", func(t *testing.T, m *manifests) {
			config(t, m).Data["JWT_ALGORITHM"] = "HS256"
			auth(t, m).main().secretRef(t, "JWT_SECRET").Name = "elsewhere"
		}, "JWT_SECRET: auth gets Secret elsewhere key JWT_SECRET, api gets Secret bizy-secrets key JWT_SECRET"},
		{"HS256 with an optional secret", func(t *testing.T, m *manifests) { config(t, m).Data["JWT_ALGORITHM"] = "HS256" },
			"auth/auth: JWT_ALGORITHM is HS256 but JWT_SECRET is not a required Secret key"},
		{"two Redis", func(t *testing.T, m *manifests) { api(t, m).main().secretRef(t, "REDIS_URL").Key = "API_REDIS_URL" },
			"REDIS_URL: auth gets"},
		{"auth looked for on its Service's wrong port", func(t *testing.T, m *manifests) {
			api(t, m).main().setEnvVar("AUTH_SERVER_URL", "http://bizy-auth:80")
		}, "api: AUTH_SERVER_URL http://bizy-auth:80"},
		{"auth looked for at the API", func(t *testing.T, m *manifests) {
			api(t, m).main().setEnvVar("AUTH_SERVER_URL", "http://bizy-api.default.svc.cluster.local:4567")
		}, "is no Service port that leads to auth's 4567"},
		{"mail to a read-only DATA_DIR", func(t *testing.T, m *manifests) { delete(config(t, m).Data, "SMTP_HOST") },
			"auth/auth: no SMTP_HOST"},
		{"SQLite on a read-only DATA_DIR", func(t *testing.T, m *manifests) {
			c := api(t, m).main()
			c.Env = append(c.Env[:2], c.Env[3:]...) // API_ADDR, AUTH_SERVER_URL, [DATABASE_URL], …
		}, "api/api: no DATABASE_URL"},
		{"migration without its label", func(t *testing.T, m *manifests) { delete(migrate(t, m).Metadata.Labels, migrateLabel) },
			"no label app.kubernetes.io/component=migrate"},
		{"a Service applied with the migration", func(t *testing.T, m *manifests) {
			byName(t, m.services, "bizy-api").Metadata.Labels[migrateLabel] = migrateValue
		}, "Service bizy-api has app.kubernetes.io/component=migrate"},
		{"migration restarted for ever", func(t *testing.T, m *manifests) { migrate(t, m).Spec.Template.Spec.RestartPolicy = "Always" },
			`restartPolicy "Always"`},
		{"migration of another database", func(t *testing.T, m *manifests) {
			migrate(t, m).Spec.Template.Spec.Containers[0].secretRef(t, "DATABASE_URL").Key = "OTHER_URL"
		}, "Job/bizy-migrate/migrate: DATABASE_URL Secret bizy-secrets key OTHER_URL"},
		{"no migration", func(t *testing.T, m *manifests) { m.jobs = nil }, "want one Job running bizy migrate"},
		{"template applied", func(t *testing.T, m *manifests) {
			m.kustomization.Resources = append(m.kustomization.Resources, secretTemplate)
		}, "kustomization.yaml: resources"},
		{"a manifest left out", func(t *testing.T, m *manifests) { m.kustomization.Resources = m.kustomization.Resources[1:] },
			"kustomization.yaml: resources"},
		{"no image source", func(t *testing.T, m *manifests) { m.kustomization.Images = nil }, "no images entry for bizy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := mustReadManifests(t)
			tc.brk(t, m)
			assertProblem(t, checkKubernetes(m, img, known), tc.want)
		})
	}
}

// TestKubernetesDecodingIsStrict checks that a misspelt field fails the
// decoding rather than being dropped, as the API server would drop it.
func TestKubernetesDecodingIsStrict(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "auth.yaml" {
			b = []byte(strings.Replace(string(b), "readinessProbe:", "readinessprobe:", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := readManifests(dir); err == nil || !strings.Contains(err.Error(), "readinessprobe") {
		t.Errorf("decoding auth.yaml with readinessprobe: %v, want an error naming it", err)
	}
}

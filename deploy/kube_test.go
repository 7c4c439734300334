package deploy

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bizy-auth/bizy/internal/config"
)

// migrateLabel marks the objects `kubectl apply -l` picks for the first
// step of a rollout (README, Deploy): the migration Job and nothing else.
const migrateLabel, migrateValue = "app.kubernetes.io/component", "migrate"

// secretTemplate is the file holding the Secret's template.
const secretTemplate = "secret.example.yaml"

// workload is one container of a pod template, with what bizy would make
// of its environment.
type workload struct {
	name    string // kind/name/container
	owner   meta   // the Deployment's or Job's
	pod     *podSpec
	labels  map[string]string // the pod template's
	c       container
	mode    config.Mode
	env     map[string]string // plain values: the image's ENV, then envFrom, then env
	secrets map[string]keyRef // variables set from a Secret
	cfg     config.Config
	err     error // the config loader's
}

// listenPort returns the port the workload's bizy listens on, or 0.
func (w workload) listenPort() int {
	switch w.mode {
	case config.ModeAuth:
		return addrPort(w.cfg.AuthAddr)
	case config.ModeAPI:
		return addrPort(w.cfg.APIAddr)
	}
	return 0
}

// workloads returns every container of the Deployments and Jobs. Problems
// resolving a reference (a ConfigMap that is not there) are returned too.
func (m *manifests) workloads(img dockerfile) ([]workload, []string) {
	var out []workload
	var problems []string
	visit := func(kind string, owner meta, tpl *podTemplate) {
		for _, c := range slices.Concat(tpl.Spec.InitContainers, tpl.Spec.Containers) {
			w := workload{name: kind + "/" + owner.Name + "/" + c.Name, owner: owner, pod: &tpl.Spec,
				labels: tpl.Metadata.Labels, c: c, mode: modeOf(c.Args)}
			w.env, w.secrets, problems = m.containerEnv(w.name, c, img, problems)
			w.cfg, w.err = loadConfig(w.mode, withStandIns(w.mode, w.env, w.secrets))
			out = append(out, w)
		}
	}
	for _, d := range m.deployments {
		visit("Deployment", d.Metadata, &d.Spec.Template)
	}
	for _, j := range m.jobs {
		visit("Job", j.Metadata, &j.Spec.Template)
	}
	return out, problems
}

// standIns are values of the shapes bizy's secrets take. A variable set
// from a Secret, whose value is not in the manifests, is given the first
// one bizy accepts for it, so that the loader can judge everything else.
var standIns = []string{
	strings.Repeat("5e", 32), // a 32-byte key in hex, or a JWT_SECRET
	"postgres://bizy@db.invalid:5432/bizy",
	"redis://redis.invalid:6379/0",
	"stand-in",
}

// withStandIns returns env with a stand-in value for each variable that
// secrets sets, in name order, so that a setting checked against another
// (DB_ENCRYPTION_OLD_KEYS needs DB_ENCRYPTION_KEY) meets it set.
func withStandIns(mode config.Mode, env map[string]string, secrets map[string]keyRef) map[string]string {
	out := maps.Clone(env)
	for _, name := range sortedKeys(secrets) {
		for _, v := range standIns {
			out[name] = v
			if _, err := loadConfig(mode, out); err == nil || !strings.Contains("\n"+err.Error(), "\n"+name+":") {
				break
			}
		}
	}
	return out
}

// containerEnv resolves a container's environment as the kubelet would:
// envFrom first, then env, each later one winning.
func (m *manifests) containerEnv(name string, c container, img dockerfile, problems []string) (map[string]string, map[string]keyRef, []string) {
	env := maps.Clone(img.env)
	secrets := map[string]keyRef{}
	set := func(k, v string) { env[k] = v; delete(secrets, k) }
	for _, from := range c.EnvFrom {
		switch {
		case from.SecretRef != nil:
			problems = append(problems, fmt.Sprintf("%s: envFrom Secret %s: name each secret variable (secretKeyRef), so a Secret cannot set anything", name, from.SecretRef.Name))
		case from.ConfigMapRef != nil:
			data, ok := m.configData(from.ConfigMapRef.Name)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: no ConfigMap %s", name, from.ConfigMapRef.Name))
			}
			for k, v := range data {
				set(from.Prefix+k, v)
			}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			set(e.Name, e.Value)
		case e.ValueFrom.SecretKeyRef != nil:
			delete(env, e.Name)
			secrets[e.Name] = *e.ValueFrom.SecretKeyRef
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			data, _ := m.configData(ref.Name)
			if v, ok := data[ref.Key]; ok {
				set(e.Name, v)
			} else {
				problems = append(problems, fmt.Sprintf("%s: %s: no key %s in ConfigMap %s", name, e.Name, ref.Key, ref.Name))
			}
		}
	}
	return env, secrets, problems
}

// configData returns the data of the named ConfigMap, and whether there is one.
func (m *manifests) configData(name string) (map[string]string, bool) {
	for _, cm := range m.configMaps {
		if cm.Metadata.Name == name {
			return cm.Data, true
		}
	}
	return nil, false
}

// running returns the workloads whose bizy runs in mode.
func running(ws []workload, mode config.Mode) []workload {
	var out []workload
	for _, w := range ws {
		if w.mode == mode {
			out = append(out, w)
		}
	}
	return out
}

// selects reports whether a selector picks pods with these labels: every
// pair of it among theirs. An empty selector picks nothing here, though
// Kubernetes would read it as everything, because none of ours may be empty.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func mustReadManifests(t *testing.T) *manifests {
	t.Helper()
	m, err := readManifests(filepath.Join("kubernetes"))
	if err != nil {
		t.Fatalf("deploy/kubernetes: %v", err)
	}
	return m
}

func TestKubernetes(t *testing.T) {
	t.Parallel()
	known := mustKnow(t, "AUTH_ADDR", "API_ADDR", "AUTH_SERVER_URL", "DATABASE_URL", "JWT_SECRET")
	img := readDockerfile(t, "../Dockerfile")
	m := mustReadManifests(t)
	for _, problem := range checkKubernetes(m, img, known) {
		t.Error(problem)
	}
}

// TestKubernetesSecretTemplate checks that the Secret's template holds no
// value bizy would start with: each is a placeholder its loader refuses.
func TestKubernetesSecretTemplate(t *testing.T) {
	t.Parallel()
	m := mustReadManifests(t)
	tpl := m.secrets[secretTemplate]
	if tpl == nil || len(tpl.StringData) == 0 {
		t.Fatalf("no Secret with stringData in %s", secretTemplate)
	}
	if len(tpl.Data) > 0 {
		t.Errorf("%s: data holds base64 values; a template has placeholders in stringData only", secretTemplate)
	}
	known := knownSettings()
	for k, v := range tpl.StringData {
		if !known[k] {
			t.Errorf("%s: %s is not a setting bizy knows", secretTemplate, k)
		}
		_, err := loadConfig(config.ModeTool, map[string]string{k: v})
		if err == nil || !strings.Contains(err.Error(), k+":") {
			t.Errorf("%s: %s %q is accepted by bizy (%v): a template must hold placeholders it refuses", secretTemplate, k, v, err)
		}
	}
}

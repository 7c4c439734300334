package deploy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bizy-auth/bizy/internal/config"
)

// checkKubernetes returns every way the manifests depart from what Bizy
// needs of them; img is the image they run, known the settings bizy reads.
func checkKubernetes(m *manifests, img dockerfile, known map[string]bool) []string {
	ws, problems := m.workloads(img)
	problems = append(problems, checkKustomization(m)...)
	for _, w := range ws {
		problems = append(problems, checkWorkload(m, w, img, known)...)
	}
	auth, api := running(ws, config.ModeAuth), running(ws, config.ModeAPI)
	if len(auth) != 1 || len(api) != 1 {
		return append(problems, fmt.Sprintf("want one container running bizy auth and one bizy api, got %d and %d", len(auth), len(api)))
	}
	for _, w := range []workload{auth[0], api[0]} {
		problems = append(problems, checkDeployment(m, w)...)
	}
	problems = append(problems, checkAuthPrivate(m, auth[0], api[0])...)
	if auth[0].err == nil && api[0].err == nil {
		problems = append(problems, checkAgreement(m, auth[0], api[0])...)
	}
	return append(problems, checkMigration(m, ws, auth[0])...)
}

// checkKustomization checks that the kustomization applies every manifest
// but the Secret's template, and names the image every container runs.
func checkKustomization(m *manifests) []string {
	var problems []string
	var want []string
	for _, f := range m.files {
		if f != "kustomization.yaml" && f != secretTemplate {
			want = append(want, f)
		}
	}
	got := slices.Sorted(slices.Values(m.kustomization.Resources))
	if !slices.Equal(got, want) {
		problems = append(problems, fmt.Sprintf("kustomization.yaml: resources %q, want every manifest but %s: %q", got, secretTemplate, want))
	}
	if !slices.ContainsFunc(m.kustomization.Images, func(i kustomizeImage) bool {
		return i.Name == "bizy" && i.NewName != ""
	}) {
		problems = append(problems, "kustomization.yaml: no images entry for bizy (where to pull it from)")
	}
	return problems
}

// checkWorkload checks one container: the image, the security context,
// the resources, and its settings as bizy would read them.
func checkWorkload(m *manifests, w workload, img dockerfile, known map[string]bool) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, w.name+": "+fmt.Sprintf(format, args...))
	}
	if w.c.Image != "bizy" || len(w.c.Command) > 0 {
		add("runs %q %q; want the image bizy (set by kustomization.yaml) and its own entrypoint", w.c.Image, w.c.Command)
	}
	pod := w.pod
	if sc := pod.SecurityContext; sc == nil || !isTrue(sc.RunAsNonRoot) || sc.RunAsUser == nil || *sc.RunAsUser != img.uid() {
		add("pod securityContext: want runAsNonRoot and runAsUser %d, the image's USER", img.uid())
	}
	if pod.HostNetwork {
		add("hostNetwork puts the pod on the node's ports")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		add("automountServiceAccountToken: bizy does not call the Kubernetes API, so set it false")
	}
	sc := w.c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		!isTrue(sc.ReadOnlyRootFilesystem) || isTrue(sc.Privileged) ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		add("securityContext: want allowPrivilegeEscalation false, readOnlyRootFilesystem true, capabilities drop ALL")
	}
	for _, r := range []string{"cpu", "memory"} {
		if w.c.Resources.Requests[r] == "" {
			add("no %s request", r)
		}
	}
	if w.c.Resources.Limits["memory"] == "" {
		add("no memory limit")
	}
	for _, p := range w.c.Ports {
		if p.HostPort != 0 {
			add("hostPort %d publishes the container on the node", p.HostPort)
		}
	}
	for _, n := range unknownNames(w.env, known) {
		add("%s is not a setting bizy knows", n)
	}
	var tplName string
	var tplData map[string]string
	if tpl := m.secrets[secretTemplate]; tpl != nil {
		tplName, tplData = tpl.Metadata.Name, tpl.StringData
	}
	for _, n := range sortedKeys(w.secrets) {
		ref := w.secrets[n]
		if !known[n] {
			add("%s (from Secret %s) is not a setting bizy knows", n, ref.Name)
		}
		_, inTemplate := tplData[ref.Key]
		if ref.Name != tplName || (!inTemplate && !isTrue(ref.Optional)) {
			add("%s: key %s of Secret %s is not in %s (nor optional)", n, ref.Key, ref.Name, secretTemplate)
		}
	}
	if w.err != nil {
		add("bizy %s would refuse to start:\n%v", w.mode, w.err)
		return problems
	}
	// A read-only root filesystem leaves nowhere to write DATA_DIR: the
	// SQLite default and mail written to files are out.
	if _, ok := w.secrets["DATABASE_URL"]; !ok && (w.env["DATABASE_URL"] == "" || strings.HasPrefix(w.cfg.DatabaseURL, "sqlite:")) {
		add("no DATABASE_URL: bizy would open SQLite in DATA_DIR %s, on a read-only filesystem", w.cfg.DataDir)
	}
	if (w.mode == config.ModeAuth || w.mode == config.ModeServe) && w.cfg.SMTPHost == "" {
		add("no SMTP_HOST: bizy would write mail to DATA_DIR %s, on a read-only filesystem", w.cfg.DataDir)
	}
	return problems
}

// checkDeployment checks the Deployment around an auth or api container:
// copies, selector, probes, its Service and its PodDisruptionBudget.
func checkDeployment(m *manifests, w workload) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, w.name+": "+fmt.Sprintf(format, args...))
	}
	d := m.deploymentOf(w)
	if d == nil {
		return []string{w.name + ": not in a Deployment"}
	}
	if w.err != nil {
		return nil // checkWorkload says why: without its settings, no port to compare
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		add("replicas: want at least 2, so that a copy can go while another serves")
	}
	if sel := d.Spec.Selector.MatchLabels; !selects(sel, w.labels) {
		add("selector %v does not select its own pods %v", sel, w.labels)
	}
	for _, other := range m.deployments {
		if other != d && selects(d.Spec.Selector.MatchLabels, other.Spec.Template.Metadata.Labels) {
			add("selector also selects Deployment %s's pods", other.Metadata.Name)
		}
	}
	listen := w.listenPort()
	if !slices.ContainsFunc(w.c.Ports, func(p containerPort) bool {
		return int(p.ContainerPort) == listen
	}) {
		add("no containerPort %d, where bizy %s listens", listen, w.mode)
	}
	for name, p := range map[string]*probe{"readinessProbe": w.c.ReadinessProbe, "livenessProbe": w.c.LivenessProbe, "startupProbe": w.c.StartupProbe} {
		switch {
		case p == nil && name == "startupProbe":
		case p == nil || p.HTTPGet == nil:
			add("no %s with httpGet", name)
		case p.HTTPGet.Path != "/health" || portNumber(p.HTTPGet.Port, w.c) != listen:
			add("%s gets %s on port %v; bizy serves /health on %d", name, p.HTTPGet.Path, p.HTTPGet.Port, listen)
		}
	}

	var svcs []*service
	for _, s := range m.services {
		if selects(s.Spec.Selector, w.labels) {
			svcs = append(svcs, s)
		}
		for _, other := range m.deployments {
			if other != d && selects(s.Spec.Selector, w.labels) && selects(s.Spec.Selector, other.Spec.Template.Metadata.Labels) {
				add("Service %s also selects Deployment %s's pods", s.Metadata.Name, other.Metadata.Name)
			}
		}
	}
	if len(svcs) != 1 {
		add("%d Services select its pods, want 1", len(svcs))
	}
	for _, s := range svcs {
		for _, p := range s.Spec.Ports {
			if portNumber(p.TargetPort, w.c) != listen {
				add("Service %s port %d targets %v, bizy listens on %d", s.Metadata.Name, p.Port, p.TargetPort, listen)
			}
		}
	}

	var pdbs []*podDisruptionBudget
	for _, p := range m.pdbs {
		if selects(p.Spec.Selector.MatchLabels, w.labels) {
			pdbs = append(pdbs, p)
		}
	}
	if len(pdbs) != 1 {
		add("%d PodDisruptionBudgets select its pods, want 1", len(pdbs))
	}
	for _, p := range pdbs {
		minOK := p.Spec.MinAvailable != nil && p.Spec.MinAvailable.Str == "" && p.Spec.MinAvailable.Int >= 1 &&
			d.Spec.Replicas != nil && p.Spec.MinAvailable.Int < int(*d.Spec.Replicas)
		maxOK := p.Spec.MaxUnavailable != nil && p.Spec.MaxUnavailable.Str == "" && p.Spec.MaxUnavailable.Int >= 1
		if !minOK && !maxOK {
			add("PodDisruptionBudget %s: want minAvailable from 1 to replicas-1 (or maxUnavailable >= 1), or it keeps none or blocks every drain", p.Metadata.Name)
		}
	}
	return problems
}

// deploymentOf returns the Deployment whose pods w runs in, or nil.
func (m *manifests) deploymentOf(w workload) *deployment {
	i := slices.IndexFunc(m.deployments, func(d *deployment) bool { return &d.Spec.Template.Spec == w.pod })
	if i < 0 {
		return nil
	}
	return m.deployments[i]
}

func isTrue(b *bool) bool { return b != nil && *b }

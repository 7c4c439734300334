package deploy

import (
	"fmt"
	"slices"
	"strings"
)

// checkAuthPrivate checks that nothing outside the cluster reaches the
// auth service: its Services are ClusterIP only, and a NetworkPolicy
// admits only the API's pods, on auth's port.
func checkAuthPrivate(m *manifests, auth, api workload) []string {
	var problems []string
	for _, s := range m.services {
		if !selects(s.Spec.Selector, auth.labels) {
			continue
		}
		exposed := (s.Spec.Type != "" && s.Spec.Type != "ClusterIP") || len(s.Spec.ExternalIPs) > 0
		for _, p := range s.Spec.Ports {
			exposed = exposed || p.NodePort != 0
		}
		if exposed {
			problems = append(problems, fmt.Sprintf("Service %s (type %q) exposes auth outside the cluster; want ClusterIP only", s.Metadata.Name, s.Spec.Type))
		}
	}
	if auth.err != nil {
		return problems // no port to compare: checkWorkload says why
	}
	guarded := false
	for _, np := range m.networkPolicies {
		if !selects(np.Spec.PodSelector.MatchLabels, auth.labels) || !slices.Contains(np.Spec.PolicyTypes, "Ingress") {
			continue
		}
		guarded = true
		for _, rule := range np.Spec.Ingress {
			onlyAPI := len(rule.From) > 0
			for _, peer := range rule.From {
				onlyAPI = onlyAPI && peer.PodSelector != nil && peer.NamespaceSelector == nil && peer.IPBlock == nil &&
					selects(peer.PodSelector.MatchLabels, api.labels) && !selects(peer.PodSelector.MatchLabels, auth.labels)
			}
			onAuthPort := len(rule.Ports) > 0
			for _, p := range rule.Ports {
				onAuthPort = onAuthPort && p.Port != nil && portNumber(*p.Port, auth.c) == auth.listenPort()
			}
			if !onlyAPI || !onAuthPort {
				problems = append(problems, fmt.Sprintf("NetworkPolicy %s admits more than the API's pods on port %d", np.Metadata.Name, auth.listenPort()))
			}
		}
	}
	if !guarded {
		problems = append(problems, "no NetworkPolicy limits who reaches auth's pods to the API's")
	}
	return problems
}

// checkAgreement checks what auth and api must share: token settings, one
// Redis (revocations go through it), and the address of auth.
func checkAgreement(m *manifests, auth, api workload) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	a, b := auth.cfg, api.cfg
	if s := tokenMismatch(a, b); s != "" {
		add("%s", s)
	}
	for _, n := range []string{"JWT_SECRET", "REDIS_URL"} {
		if source(auth, n) != source(api, n) {
			add("%s: auth gets %s, api gets %s; they must share it", n, source(auth, n), source(api, n))
		}
	}
	for _, w := range []workload{auth, api} {
		if ref, ok := w.secrets["JWT_SECRET"]; a.JWTAlgorithm == "HS256" && (!ok || isTrue(ref.Optional)) {
			add("%s: JWT_ALGORITHM is HS256 but JWT_SECRET is not a required Secret key", w.name)
		}
	}
	host, port := urlHostPort(b.AuthServerURL)
	host = strings.TrimSuffix(strings.TrimSuffix(host, ".cluster.local"), ".svc")
	found := false
	for _, s := range m.services {
		name, _, _ := strings.Cut(host, ".") // bizy-auth or bizy-auth.NAMESPACE
		if s.Metadata.Name != name || !selects(s.Spec.Selector, auth.labels) {
			continue
		}
		for _, p := range s.Spec.Ports {
			found = found || (int(p.Port) == port && portNumber(p.TargetPort, auth.c) == auth.listenPort())
		}
	}
	if !found {
		add("api: AUTH_SERVER_URL %s is no Service port that leads to auth's %d", b.AuthServerURL, auth.listenPort())
	}
	return problems
}

// checkMigration checks the Job that runs `bizy migrate`: that it can be
// applied alone by its label, and that it migrates auth's database.
func checkMigration(m *manifests, ws []workload, auth workload) []string {
	var jobs []workload
	for _, w := range ws {
		if len(w.c.Args) > 0 && w.c.Args[0] == "migrate" {
			jobs = append(jobs, w)
		}
	}
	if len(jobs) != 1 || !strings.HasPrefix(jobs[0].name, "Job/") {
		return []string{fmt.Sprintf("want one Job running bizy migrate, got %d containers", len(jobs))}
	}
	var problems []string
	j := jobs[0]
	if p := j.pod.RestartPolicy; p != "Never" && p != "OnFailure" {
		problems = append(problems, fmt.Sprintf("%s: restartPolicy %q, want Never or OnFailure", j.name, p))
	}
	if source(j, "DATABASE_URL") != source(auth, "DATABASE_URL") {
		problems = append(problems, fmt.Sprintf("%s: DATABASE_URL %s, auth's is %s", j.name, source(j, "DATABASE_URL"), source(auth, "DATABASE_URL")))
	}
	// `kubectl apply -l` with the label must pick the Job and nothing else.
	labelled := map[string]map[string]string{}
	for _, d := range m.deployments {
		labelled["Deployment "+d.Metadata.Name] = d.Metadata.Labels
	}
	for _, s := range m.services {
		labelled["Service "+s.Metadata.Name] = s.Metadata.Labels
	}
	for _, p := range m.pdbs {
		labelled["PodDisruptionBudget "+p.Metadata.Name] = p.Metadata.Labels
	}
	for _, n := range m.networkPolicies {
		labelled["NetworkPolicy "+n.Metadata.Name] = n.Metadata.Labels
	}
	for _, c := range m.configMaps {
		labelled["ConfigMap "+c.Metadata.Name] = c.Metadata.Labels
	}
	if j.owner.Labels[migrateLabel] != migrateValue {
		problems = append(problems, fmt.Sprintf("%s: no label %s=%s to apply it first", j.name, migrateLabel, migrateValue))
	}
	for _, name := range sortedKeys(labelled) {
		if labelled[name][migrateLabel] == migrateValue {
			problems = append(problems, fmt.Sprintf("%s has %s=%s: it would be applied before the migration ran", name, migrateLabel, migrateValue))
		}
	}
	return problems
}

// source says where a workload's variable comes from, for comparing two.
func source(w workload, name string) string {
	if ref, ok := w.secrets[name]; ok {
		return fmt.Sprintf("Secret %s key %s", ref.Name, ref.Key)
	}
	if v, ok := w.env[name]; ok {
		return fmt.Sprintf("value %q", v)
	}
	return "unset"
}

package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// The Kubernetes API fields the manifests use, named as the API names them
// (k8s.io/api). Decoding is strict and case-sensitive, so a field these types lack, misspelt
// or not, fails the test: a manifest that needs a new field adds it here,
// from the API reference. The k8s.io/api types themselves would bring 64 MB
// of modules and over a minute of compiling per build mode on this 2-core
// machine, for the handful of kinds used here.

type meta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   meta   `json:"metadata"`
}

type labelSelector struct {
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
}

// intOrString is the API's IntOrString: a port number or a port name.
type intOrString struct {
	Int int
	Str string
}

func (v *intOrString) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &v.Int); err == nil {
		return nil
	}
	return json.Unmarshal(b, &v.Str)
}

func (v intOrString) String() string {
	if v.Str != "" {
		return v.Str
	}
	return strconv.Itoa(v.Int)
}

// quantity is a resource quantity, written as a string or a bare number.
type quantity string

func (q *quantity) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*q = quantity(n)
		return nil
	}
	return json.Unmarshal(b, (*string)(q))
}

type deployment struct {
	header
	Spec struct {
		Replicas             *int32        `json:"replicas,omitempty"`
		RevisionHistoryLimit *int32        `json:"revisionHistoryLimit,omitempty"`
		Selector             labelSelector `json:"selector"`
		Strategy             struct {
			Type          string `json:"type,omitempty"`
			RollingUpdate *struct {
				MaxUnavailable *intOrString `json:"maxUnavailable,omitempty"`
				MaxSurge       *intOrString `json:"maxSurge,omitempty"`
			} `json:"rollingUpdate,omitempty"`
		} `json:"strategy"`
		Template podTemplate `json:"template"`
	} `json:"spec"`
}

type job struct {
	header
	Spec struct {
		BackoffLimit            *int32      `json:"backoffLimit,omitempty"`
		ActiveDeadlineSeconds   *int64      `json:"activeDeadlineSeconds,omitempty"`
		TTLSecondsAfterFinished *int32      `json:"ttlSecondsAfterFinished,omitempty"`
		Template                podTemplate `json:"template"`
	} `json:"spec"`
}

type podTemplate struct {
	Metadata meta    `json:"metadata"`
	Spec     podSpec `json:"spec"`
}

type podSpec struct {
	RestartPolicy                string `json:"restartPolicy,omitempty"`
	AutomountServiceAccountToken *bool  `json:"automountServiceAccountToken,omitempty"`
	EnableServiceLinks           *bool  `json:"enableServiceLinks,omitempty"`
	HostNetwork                  bool   `json:"hostNetwork,omitempty"`
	SecurityContext              *struct {
		RunAsNonRoot   *bool  `json:"runAsNonRoot,omitempty"`
		RunAsUser      *int64 `json:"runAsUser,omitempty"`
		RunAsGroup     *int64 `json:"runAsGroup,omitempty"`
		FSGroup        *int64 `json:"fsGroup,omitempty"`
		SeccompProfile *struct {
			Type string `json:"type"`
		} `json:"seccompProfile,omitempty"`
	} `json:"securityContext,omitempty"`
	TopologySpreadConstraints []struct {
		MaxSkew           int32          `json:"maxSkew"`
		TopologyKey       string         `json:"topologyKey"`
		WhenUnsatisfiable string         `json:"whenUnsatisfiable"`
		LabelSelector     *labelSelector `json:"labelSelector,omitempty"`
	} `json:"topologySpreadConstraints,omitempty"`
	InitContainers []container `json:"initContainers,omitempty"`
	Containers     []container `json:"containers"`
}

type container struct {
	Name            string          `json:"name"`
	Image           string          `json:"image"`
	ImagePullPolicy string          `json:"imagePullPolicy,omitempty"`
	Command         []string        `json:"command,omitempty"`
	Args            []string        `json:"args,omitempty"`
	Ports           []containerPort `json:"ports,omitempty"`
	EnvFrom         []struct {
		Prefix       string     `json:"prefix,omitempty"`
		ConfigMapRef *objectRef `json:"configMapRef,omitempty"`
		SecretRef    *objectRef `json:"secretRef,omitempty"`
	} `json:"envFrom,omitempty"`
	Env []struct {
		Name      string `json:"name"`
		Value     string `json:"value,omitempty"`
		ValueFrom *struct {
			SecretKeyRef    *keyRef `json:"secretKeyRef,omitempty"`
			ConfigMapKeyRef *keyRef `json:"configMapKeyRef,omitempty"`
		} `json:"valueFrom,omitempty"`
	} `json:"env,omitempty"`
	StartupProbe   *probe `json:"startupProbe,omitempty"`
	ReadinessProbe *probe `json:"readinessProbe,omitempty"`
	LivenessProbe  *probe `json:"livenessProbe,omitempty"`
	Lifecycle      *struct {
		PreStop *struct {
			Sleep *struct {
				Seconds int64 `json:"seconds"`
			} `json:"sleep,omitempty"`
		} `json:"preStop,omitempty"`
	} `json:"lifecycle,omitempty"`
	Resources struct {
		Requests map[string]quantity `json:"requests,omitempty"`
		Limits   map[string]quantity `json:"limits,omitempty"`
	} `json:"resources"`
	SecurityContext *struct {
		AllowPrivilegeEscalation *bool  `json:"allowPrivilegeEscalation,omitempty"`
		ReadOnlyRootFilesystem   *bool  `json:"readOnlyRootFilesystem,omitempty"`
		Privileged               *bool  `json:"privileged,omitempty"`
		RunAsNonRoot             *bool  `json:"runAsNonRoot,omitempty"`
		RunAsUser                *int64 `json:"runAsUser,omitempty"`
		Capabilities             *struct {
			Add  []string `json:"add,omitempty"`
			Drop []string `json:"drop,omitempty"`
		} `json:"capabilities,omitempty"`
	} `json:"securityContext,omitempty"`
}

type containerPort struct {
	Name          string `json:"name,omitempty"`
	ContainerPort int32  `json:"containerPort"`
	HostPort      int32  `json:"hostPort,omitempty"`
	Protocol      string `json:"protocol,omitempty"`
}

type objectRef struct {
	Name     string `json:"name"`
	Optional *bool  `json:"optional,omitempty"`
}

type keyRef struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional *bool  `json:"optional,omitempty"`
}

type probe struct {
	HTTPGet *struct {
		Path   string      `json:"path"`
		Port   intOrString `json:"port"`
		Scheme string      `json:"scheme,omitempty"`
	} `json:"httpGet,omitempty"`
	InitialDelaySeconds int32 `json:"initialDelaySeconds,omitempty"`
	PeriodSeconds       int32 `json:"periodSeconds,omitempty"`
	TimeoutSeconds      int32 `json:"timeoutSeconds,omitempty"`
	SuccessThreshold    int32 `json:"successThreshold,omitempty"`
	FailureThreshold    int32 `json:"failureThreshold,omitempty"`
}

type service struct {
	header
	Spec struct {
		Type         string            `json:"type,omitempty"`
		Selector     map[string]string `json:"selector"`
		ClusterIP    string            `json:"clusterIP,omitempty"`
		ExternalIPs  []string          `json:"externalIPs,omitempty"`
		ExternalName string            `json:"externalName,omitempty"`
		Ports        []struct {
			Name       string      `json:"name,omitempty"`
			Protocol   string      `json:"protocol,omitempty"`
			Port       int32       `json:"port"`
			TargetPort intOrString `json:"targetPort"`
			NodePort   int32       `json:"nodePort,omitempty"`
		} `json:"ports"`
	} `json:"spec"`
}

type podDisruptionBudget struct {
	header
	Spec struct {
		MinAvailable               *intOrString  `json:"minAvailable,omitempty"`
		MaxUnavailable             *intOrString  `json:"maxUnavailable,omitempty"`
		Selector                   labelSelector `json:"selector"`
		UnhealthyPodEvictionPolicy string        `json:"unhealthyPodEvictionPolicy,omitempty"`
	} `json:"spec"`
}

type networkPolicy struct {
	header
	Spec struct {
		PodSelector labelSelector `json:"podSelector"`
		PolicyTypes []string      `json:"policyTypes,omitempty"`
		Ingress     []struct {
			From []struct {
				PodSelector       *labelSelector `json:"podSelector,omitempty"`
				NamespaceSelector *labelSelector `json:"namespaceSelector,omitempty"`
				IPBlock           *struct {
					CIDR   string   `json:"cidr"`
					Except []string `json:"except,omitempty"`
				} `json:"ipBlock,omitempty"`
			} `json:"from,omitempty"`
			Ports []struct {
				Protocol string       `json:"protocol,omitempty"`
				Port     *intOrString `json:"port,omitempty"`
			} `json:"ports,omitempty"`
		} `json:"ingress,omitempty"`
	} `json:"spec"`
}

type configMap struct {
	header
	Data map[string]string `json:"data,omitempty"`
}

type secret struct {
	header
	Type       string            `json:"type,omitempty"`
	StringData map[string]string `json:"stringData,omitempty"`
	Data       map[string]string `json:"data,omitempty"`
}

type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Namespace  string           `json:"namespace,omitempty"`
	Resources  []string         `json:"resources"`
	Images     []kustomizeImage `json:"images,omitempty"`
}

type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// manifests is every object of deploy/kubernetes, decoded.
type manifests struct {
	kustomization   kustomization
	files           []string // the YAML files of the directory, kustomization.yaml included
	deployments     []*deployment
	jobs            []*job
	services        []*service
	pdbs            []*podDisruptionBudget
	networkPolicies []*networkPolicy
	configMaps      []*configMap
	secrets         map[string]*secret // by file, e.g. secret.example.yaml
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// readManifests decodes every YAML file of dir, strictly, by kind.
func readManifests(dir string) (*manifests, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	m := &manifests{secrets: map[string]*secret{}}
	for _, p := range paths {
		file := filepath.Base(p)
		m.files = append(m.files, file)
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		for i, doc := range docSeparator.Split(string(b), -1) {
			if err := m.add(file, []byte(doc)); err != nil {
				return nil, fmt.Errorf("%s, document %d: %w", file, i+1, err)
			}
		}
	}
	return m, nil
}

// add decodes one YAML document into its kind's type.
func (m *manifests) add(file string, doc []byte) error {
	var h header
	if err := yaml.Unmarshal(doc, &h); err != nil {
		return err
	}
	var target any
	switch h.APIVersion + " " + h.Kind {
	case " ":
		return nil // an empty document
	case "kustomize.config.k8s.io/v1beta1 Kustomization":
		target = &m.kustomization
	case "apps/v1 Deployment":
		target = appendNew(&m.deployments)
	case "batch/v1 Job":
		target = appendNew(&m.jobs)
	case "v1 Service":
		target = appendNew(&m.services)
	case "policy/v1 PodDisruptionBudget":
		target = appendNew(&m.pdbs)
	case "networking.k8s.io/v1 NetworkPolicy":
		target = appendNew(&m.networkPolicies)
	case "v1 ConfigMap":
		target = appendNew(&m.configMaps)
	case "v1 Secret":
		m.secrets[file] = new(secret)
		target = m.secrets[file]
	default:
		return fmt.Errorf("kind %q of %q: not one these checks know", h.Kind, h.APIVersion)
	}
	return decodeStrict(doc, target)
}

// appendNew appends a new zero T to list and returns it.
func appendNew[T any](list *[]*T) *T {
	*list = append(*list, new(T))
	return (*list)[len(*list)-1]
}

// decodeStrict decodes a YAML document as the API server does: field names
// matched case-sensitively (encoding/json would take readinessprobe for
// readinessProbe), and unknown or repeated fields an error.
func decodeStrict(doc []byte, target any) error {
	j, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(j, target)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// portNumber resolves a probe's or Service's port, by number or by name,
// against a container's ports; 0 when it names none.
func portNumber(p intOrString, c container) int {
	if p.Str == "" {
		return p.Int
	}
	if n, err := strconv.Atoi(p.Str); err == nil {
		return n
	}
	for _, cp := range c.Ports {
		if cp.Name == p.Str {
			return int(cp.ContainerPort)
		}
	}
	return 0
}

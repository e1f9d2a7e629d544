package kubernetes_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/naftiko-go/naftiko/internal/engine"
	"github.com/naftiko-go/naftiko/internal/spec"
)

// The parts of the manifests the test checks.
type (
	object struct {
		APIVersion string            `yaml:"apiVersion"`
		Kind       string            `yaml:"kind"`
		Metadata   metadata          `yaml:"metadata"`
		Data       map[string]string `yaml:"data"`
		StringData map[string]string `yaml:"stringData"`
		Spec       objectSpec        `yaml:"spec"`
		Resources  []string          `yaml:"resources"`
	}
	metadata struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	}
	objectSpec struct {
		// Deployment
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata metadata `yaml:"metadata"`
			Spec     podSpec  `yaml:"spec"`
		} `yaml:"template"`
		// Service (its selector is a plain map: read separately)
		Ports []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
		// HorizontalPodAutoscaler
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas int `yaml:"minReplicas"`
		MaxReplicas int `yaml:"maxReplicas"`
		Metrics     []struct {
			Resource struct {
				Name   string `yaml:"name"`
				Target struct {
					AverageUtilization int `yaml:"averageUtilization"`
				} `yaml:"target"`
			} `yaml:"resource"`
		} `yaml:"metrics"`
	}
	podSpec struct {
		SecurityContext struct {
			RunAsNonRoot bool `yaml:"runAsNonRoot"`
			RunAsUser    int  `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
		Volumes    []struct {
			Name      string `yaml:"name"`
			ConfigMap struct {
				Name string `yaml:"name"`
			} `yaml:"configMap"`
		} `yaml:"volumes"`
	}
	container struct {
		Command []string `yaml:"command"`
		Args    []string `yaml:"args"`
		Env     []struct {
			Name      string `yaml:"name"`
			ValueFrom struct {
				SecretKeyRef struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		LivenessProbe  probe `yaml:"livenessProbe"`
		ReadinessProbe probe `yaml:"readinessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
			Capabilities             struct {
				Drop []string `yaml:"drop"`
			} `yaml:"capabilities"`
		} `yaml:"securityContext"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	probe struct {
		HTTPGet struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
	}
)

// load decodes every YAML file of the folder, by kind.
func load(t *testing.T) (map[string]object, map[string]map[string]any) {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	byKind := map[string]object{}
	raw := map[string]map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var node yaml.Node
			err := dec.Decode(&node)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, f)
			var o object
			require.NoError(t, node.Decode(&o), f)
			var m map[string]any
			require.NoError(t, node.Decode(&m), f)
			require.NotEmpty(t, o.Kind, f)
			require.NotContains(t, byKind, o.Kind, "one %s only", o.Kind)
			byKind[o.Kind], raw[o.Kind] = o, m
		}
	}
	return byKind, raw
}

func TestManifestsAgree(t *testing.T) {
	objs, raw := load(t)
	for _, kind := range []string{"Deployment", "Service", "ConfigMap", "Secret", "HorizontalPodAutoscaler", "Kustomization"} {
		require.Contains(t, objs, kind)
	}
	dep, svc, cm, sec, hpa := objs["Deployment"], objs["Service"], objs["ConfigMap"], objs["Secret"], objs["HorizontalPodAutoscaler"]

	// The Kustomization lists every other file.
	files, _ := filepath.Glob("*.yaml")
	for _, f := range files {
		if f != "kustomization.yaml" {
			assert.Contains(t, objs["Kustomization"].Resources, f)
		}
	}

	// Deployment: 2 replicas, labels that select its pods.
	require.NotNil(t, dep.Spec.Replicas)
	assert.Equal(t, 2, *dep.Spec.Replicas)
	labels := dep.Spec.Template.Metadata.Labels
	for k, v := range dep.Spec.Selector.MatchLabels {
		assert.Equal(t, v, labels[k], "the selector matches the pod labels")
	}
	pod := dep.Spec.Template.Spec
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	assert.True(t, pod.SecurityContext.RunAsNonRoot)
	assert.NotZero(t, pod.SecurityContext.RunAsUser)
	assert.True(t, c.SecurityContext.ReadOnlyRootFilesystem)
	require.NotNil(t, c.SecurityContext.AllowPrivilegeEscalation)
	assert.False(t, *c.SecurityContext.AllowPrivilegeEscalation)
	assert.Equal(t, []string{"ALL"}, c.SecurityContext.Capabilities.Drop)
	assert.NotEmpty(t, c.Resources.Requests["cpu"], "the HPA needs a CPU request")
	assert.Equal(t, []string{"/naftiko", "serve", "--address", "0.0.0.0"}, c.Command)

	// Secrets come from the Secret, whose keys the template declares.
	assert.Equal(t, "Opaque", raw["Secret"]["type"])
	var envNames []string
	for _, e := range c.Env {
		envNames = append(envNames, e.Name)
		assert.Equal(t, sec.Metadata.Name, e.ValueFrom.SecretKeyRef.Name, e.Name)
		assert.Contains(t, sec.StringData, e.ValueFrom.SecretKeyRef.Key, e.Name)
	}
	assert.ElementsMatch(t, []string{"LOGTO_API_KEY", "TENANT_ID"}, envNames)
	for k, v := range sec.StringData {
		assert.True(t, strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">"), "the Secret is a template: %s holds a placeholder", k)
	}

	// The ConfigMap is mounted at /capabilities and holds every file served.
	require.Len(t, pod.Volumes, 1)
	assert.Equal(t, cm.Metadata.Name, pod.Volumes[0].ConfigMap.Name)
	require.Len(t, c.VolumeMounts, 1)
	assert.Equal(t, pod.Volumes[0].Name, c.VolumeMounts[0].Name)
	assert.Equal(t, "/capabilities", c.VolumeMounts[0].MountPath)
	var served []string
	for _, a := range c.Args {
		if f, ok := strings.CutPrefix(a, "/capabilities/"); ok {
			assert.Contains(t, cm.Data, f)
			served = append(served, f)
		}
	}
	assert.Len(t, served, len(cm.Data), "every ConfigMap file is served")
	shipped, err := os.ReadFile("../../capabilities/logto-organization-invitations.yaml")
	require.NoError(t, err)
	assert.Equal(t, string(shipped), cm.Data["logto-organization-invitations.yaml"], "the ConfigMap copy of the shipped capability is up to date")

	// The capability files build, and their adapters' ports are the
	// container's ports; the probes use the control adapter.
	adapterPorts := buildConfigMap(t, cm.Data, served)
	containerPorts := map[string]int{}
	for _, p := range c.Ports {
		containerPorts[p.Name] = p.ContainerPort
	}
	assert.Equal(t, adapterPorts["rest"], containerPorts["rest"])
	assert.Equal(t, adapterPorts["mcp"], containerPorts["mcp"])
	assert.Equal(t, adapterPorts["control"], containerPorts["control"])
	assert.Equal(t, "control", c.LivenessProbe.HTTPGet.Port)
	assert.Equal(t, "/health/live", c.LivenessProbe.HTTPGet.Path)
	assert.Equal(t, "control", c.ReadinessProbe.HTTPGet.Port)
	assert.Equal(t, "/health/ready", c.ReadinessProbe.HTTPGet.Path)

	// The Service selects the pods and exposes REST on 8080 and MCP on 9090.
	selector, _ := raw["Service"]["spec"].(map[string]any)["selector"].(map[string]any)
	require.NotEmpty(t, selector)
	for k, v := range selector {
		assert.Equal(t, v, labels[k])
	}
	svcPorts := map[int]string{}
	for _, p := range svc.Spec.Ports {
		svcPorts[p.Port] = p.TargetPort
		assert.Contains(t, containerPorts, p.TargetPort)
	}
	assert.Equal(t, map[int]string{8080: "rest", 9090: "mcp"}, svcPorts)

	// The HPA scales the Deployment on CPU at 70%.
	assert.Equal(t, "Deployment", hpa.Spec.ScaleTargetRef.Kind)
	assert.Equal(t, dep.Metadata.Name, hpa.Spec.ScaleTargetRef.Name)
	assert.Equal(t, 2, hpa.Spec.MinReplicas)
	assert.Greater(t, hpa.Spec.MaxReplicas, hpa.Spec.MinReplicas)
	require.Len(t, hpa.Spec.Metrics, 1)
	assert.Equal(t, "cpu", hpa.Spec.Metrics[0].Resource.Name)
	assert.Equal(t, 70, hpa.Spec.Metrics[0].Resource.Target.AverageUtilization)
}

// buildConfigMap writes the served files to a folder, builds them as
// `naftiko validate` does and returns the port of each adapter type.
func buildConfigMap(t *testing.T, data map[string]string, served []string) map[string]int {
	t.Helper()
	dir := t.TempDir()
	var docs []*spec.Document
	for _, f := range served {
		p := filepath.Join(dir, f)
		require.NoError(t, os.WriteFile(p, []byte(data[f]), 0o600))
		doc, diags := spec.Load(p)
		require.False(t, diags.HasErrors(), diags.Error())
		docs = append(docs, doc)
	}
	_, diags := engine.Build(docs, engine.Options{ValidateOnly: true})
	require.False(t, diags.HasErrors(), diags.Error())
	ports := map[string]int{}
	for _, doc := range docs {
		for _, x := range doc.Capability.Exposes {
			require.NotContains(t, ports, x.Type, "one adapter per type")
			ports[x.Type] = x.Port
		}
	}
	assert.True(t, slices.Contains(served, "control.yaml"))
	return ports
}

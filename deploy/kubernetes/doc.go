// Package kubernetes holds the Kubernetes manifests of naftiko (a
// Deployment, its Service, ConfigMap, Secret template and
// HorizontalPodAutoscaler); its test checks that they parse and agree.
package kubernetes

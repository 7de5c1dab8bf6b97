//go:build tools

package e2e

import (
	_ "go.etcd.io/etcd/server/v3/embed"
	_ "k8s.io/client-go/discovery"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app/testing"
)

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestDelete(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	file := writeTemp(t, "cm.yaml", configMaps)
	h.must(t, "apply", "-f", file)

	assert.Equal(t, "configmap \"settings\" deleted\n", h.must(t, "delete", "cm", "settings"))
	assert.True(t, apierrors.IsNotFound(h.kdyn(t, "get", "cm", "settings").err))
	assert.True(t, apierrors.IsNotFound(h.kdyn(t, "delete", "cm", "settings").err))

	h.must(t, "apply", "-f", file)
	assert.Equal(t, "configmap/settings deleted\nconfigmap/other deleted\n", h.must(t, "delete", "-f", file))
	assert.Empty(t, h.must(t, "get", "cm", "-A"))
}

func TestDeleteUsage(t *testing.T) {
	h := newHarness(t, loadRecorded(t, "k3s-v1.25.0"))
	for _, args := range [][]string{nil, {"cm"}, {"cm", "x", "-f", "y.yaml"}} {
		assert.ErrorIs(t, h.kdyn(t, "delete", args...).err, errUsage, "%v", args)
	}
}

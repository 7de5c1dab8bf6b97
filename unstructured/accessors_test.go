package unstructured

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func testObject(t *testing.T) *unstructured.Unstructured {
	u, err := DecodeObject([]byte(`{"apiVersion":"apps/v1","kind":"Deployment",
		"metadata":{"name":"web","labels":{"app":"web"},"generation":3},
		"spec":{"replicas":3,"ratio":0.5,"whole":2.0,"paused":false,"phase":"Running",
			"ports":[80,443],"names":["a","b"],"selector":{"matchLabels":{"app":"web"}}}}`))
	require.NoError(t, err)
	return u
}

func TestGet(t *testing.T) {
	u := testObject(t)
	check := func(t *testing.T, want, got any, found bool, err error) {
		t.Helper()
		require.NoError(t, err)
		assert.True(t, found)
		assert.Equal(t, want, got)
	}
	t.Run("string", func(t *testing.T) { v, ok, err := Get[string](u, "metadata", "name"); check(t, "web", v, ok, err) })
	t.Run("named string", func(t *testing.T) {
		v, ok, err := Get[corev1.PodPhase](u, "spec", "phase")
		check(t, corev1.PodRunning, v, ok, err)
	})
	t.Run("int32", func(t *testing.T) { v, ok, err := Get[int32](u, "spec", "replicas"); check(t, int32(3), v, ok, err) })
	t.Run("int from whole float", func(t *testing.T) { v, ok, err := Get[int](u, "spec", "whole"); check(t, 2, v, ok, err) })
	t.Run("float from int", func(t *testing.T) { v, ok, err := Get[float64](u, "spec", "replicas"); check(t, 3.0, v, ok, err) })
	t.Run("pointer", func(t *testing.T) {
		v, ok, err := Get[*int64](u, "spec", "replicas")
		check(t, ptr(int64(3)), v, ok, err)
	})
	t.Run("bool", func(t *testing.T) { v, ok, err := Get[bool](u, "spec", "paused"); check(t, false, v, ok, err) })
	t.Run("slice", func(t *testing.T) {
		v, ok, err := Get[[]int32](u, "spec", "ports")
		check(t, []int32{80, 443}, v, ok, err)
	})
	t.Run("strings", func(t *testing.T) {
		v, ok, err := Get[[]string](u, "spec", "names")
		check(t, []string{"a", "b"}, v, ok, err)
	})
	t.Run("map", func(t *testing.T) {
		v, ok, err := Get[map[string]string](u, "metadata", "labels")
		check(t, map[string]string{"app": "web"}, v, ok, err)
	})
	t.Run("struct", func(t *testing.T) {
		v, ok, err := Get[metav1.LabelSelector](u, "spec", "selector")
		check(t, metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, v, ok, err)
	})
	t.Run("any is a copy", func(t *testing.T) {
		v, ok, err := Get[map[string]any](u, "metadata", "labels")
		check(t, map[string]any{"app": "web"}, v, ok, err)
		v["app"] = "changed"
		assert.Equal(t, "web", u.GetLabels()["app"])
	})
	t.Run("missing", func(t *testing.T) {
		v, ok, err := Get[string](u, "spec", "nope")
		require.NoError(t, err)
		assert.False(t, ok)
		assert.Empty(t, v)
	})
	for name, get := range map[string]func() error{
		"fraction to int":  func() error { _, _, err := Get[int](u, "spec", "ratio"); return err },
		"overflow":         func() error { _, _, err := Get[[]int8](u, "spec", "ports"); return err },
		"string to int":    func() error { _, _, err := Get[int](u, "metadata", "name"); return err },
		"through a string": func() error { _, _, err := Get[string](u, "metadata", "name", "x"); return err },
		"negative uint": func() error {
			_, _, err := Get[uint](&unstructured.Unstructured{Object: map[string]any{"a": int64(-1)}}, "a")
			return err
		},
		"bool to string": func() error { _, _, err := Get[string](u, "spec", "paused"); return err },
	} {
		t.Run(name, func(t *testing.T) { assert.Error(t, get()) })
	}
}

func TestSet(t *testing.T) {
	u := &unstructured.Unstructured{}
	require.NoError(t, Set(u, int32(5), "spec", "replicas"))
	require.NoError(t, Set(u, []string{"a"}, "spec", "names"))
	require.NoError(t, Set(u, map[string]string{"app": "web"}, "metadata", "labels"))
	require.NoError(t, Set(u, &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}, "spec", "selector"))
	require.NoError(t, Set(u, float32(0.5), "spec", "ratio"))
	require.NoError(t, Set(u, uint8(7), "spec", "small"))
	assert.Equal(t, map[string]any{
		"spec": map[string]any{
			"replicas": int64(5), "names": []any{"a"}, "ratio": 0.5, "small": int64(7),
			"selector": map[string]any{"matchLabels": map[string]any{"a": "b"}},
		},
		"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
	}, u.Object)
	assert.Error(t, Set(u, 1, "spec", "replicas", "deeper"))
	assert.Error(t, Set(u, make(chan int), "x"))
	assert.Error(t, Set(u, 1))
}

func TestAccessorsRefuseWithoutPanic(t *testing.T) {
	t.Run("set on nil object", func(t *testing.T) {
		require.NotPanics(t, func() {
			assert.Error(t, Set(nil, "x", "metadata", "name"))
		})
	})
	t.Run("get into an interface the value does not implement", func(t *testing.T) {
		u := testObject(t)
		require.NotPanics(t, func() {
			_, found, err := Get[error](u, "metadata", "name")
			assert.True(t, found)
			assert.Error(t, err)
		})
	})
}

package unstructured

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestToApplyConfiguration(t *testing.T) {
	live := func() *unstructured.Unstructured {
		u, err := DecodeObject([]byte(`{"apiVersion":"v1","kind":"ConfigMap",
			"metadata":{"name":"c","namespace":"ns","uid":"u1","resourceVersion":"42","generation":2,
				"creationTimestamp":"2026-01-01T00:00:00Z","managedFields":[{"manager":"m"}],
				"labels":{"a":"b"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
			"data":{"k":"v"},"status":{"x":1}}`))
		require.NoError(t, err)
		return u
	}
	cases := map[string]struct {
		opts ApplyOptions
		want string
	}{
		"defaults": {want: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns","labels":{"a":"b"},
			"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},"data":{"k":"v"},"status":{"x":1}}`},
		"drop status and last applied": {opts: ApplyOptions{DropStatus: true, DropLastApplied: true},
			want: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns","labels":{"a":"b"}},"data":{"k":"v"}}`},
		"keep resourceVersion": {opts: ApplyOptions{KeepResourceVersion: true, DropStatus: true},
			want: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns","resourceVersion":"42","labels":{"a":"b"},
			"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},"data":{"k":"v"}}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := live()
			got, err := ToApplyConfiguration(in, tc.opts)
			require.NoError(t, err)
			want, err := DecodeObject([]byte(tc.want))
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.Equal(t, live(), in, "input changed")
		})
	}
	t.Run("refused", func(t *testing.T) {
		_, err := ToApplyConfiguration(nil, ApplyOptions{})
		assert.Error(t, err)
		_, err = ToApplyConfiguration(&unstructured.Unstructured{Object: map[string]any{"kind": "X"}}, ApplyOptions{})
		assert.Error(t, err)
	})
}

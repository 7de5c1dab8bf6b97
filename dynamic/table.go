package dynamic

import (
	"context"
	"fmt"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Table asks the server for its table view (as=Table), what kubectl get
// prints: one object when name is set, else the list narrowed by opts. Rows
// carry the objects' metadata as partial objects.
func (r *resource) Table(ctx context.Context, name string, opts metav1.ListOptions) (*metav1.Table, error) {
	cl := call{method: http.MethodGet, name: name, params: &opts, accept: mediaTable}
	if name != "" {
		cl.params = &metav1.GetOptions{ResourceVersion: opts.ResourceVersion}
	}
	data, _, err := r.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	t := &metav1.Table{}
	if err := utiljson.Unmarshal(data, t); err != nil {
		return nil, fmt.Errorf("dynamic: decode table: %w", err)
	}
	if t.Kind != "Table" {
		return nil, fmt.Errorf("dynamic: server sent %q, not a Table, for %s", t.Kind, r.gvr.String())
	}
	return t, nil
}

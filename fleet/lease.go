package fleet

import (
	"context"
	"fmt"
	"math"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/dynamic"
)

var leasesGVR = schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}

// Names a sharded fleet writes on its Leases.
const (
	// groupLabel holds Sharding.Name on every Lease of the group, so that
	// one list finds the replicas.
	groupLabel = "fleet.kdyn.dev/group"
	// epochAnnotation holds a random token of the process that holds the
	// Lease, so that a second process started with the same identity sees
	// that the Lease is not its own.
	epochAnnotation = "fleet.kdyn.dev/epoch"
)

// lease is what a replica reads of a Lease.
type lease struct {
	name, identity, epoch, resourceVersion string
	duration                               time.Duration
	transitions                            int32
}

// leaseClient reads and writes the Leases of one replica group.
type leaseClient struct {
	r     dynamic.ResourceInterface
	group string
}

func newLeaseClient(c *dynamic.Client, namespace, group string) *leaseClient {
	return &leaseClient{r: c.Resource(leasesGVR).Namespace(namespace), group: group}
}

// object is the Lease l names, held by l.identity for l.duration and renewed now.
func (lc *leaseClient) object(l lease, acquired bool) (*unstructured.Unstructured, error) {
	now := metav1.NewMicroTime(time.Now())
	secs := int32(min(math.Ceil(l.duration.Seconds()), math.MaxInt32))
	obj := &coordinationv1.Lease{
		TypeMeta: metav1.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
		ObjectMeta: metav1.ObjectMeta{
			Name: l.name, ResourceVersion: l.resourceVersion,
			Labels:      map[string]string{groupLabel: lc.group},
			Annotations: map[string]string{epochAnnotation: l.epoch},
		},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity: &l.identity, LeaseDurationSeconds: &secs,
			RenewTime: &now, LeaseTransitions: &l.transitions,
		},
	}
	if acquired {
		obj.Spec.AcquireTime = &now
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("fleet: encode Lease %s: %w", l.name, err)
	}
	return &unstructured.Unstructured{Object: u}, nil
}

// create creates l and returns it as stored.
func (lc *leaseClient) create(ctx context.Context, l lease) (lease, error) {
	obj, err := lc.object(l, true)
	if err != nil {
		return lease{}, err
	}
	out, err := lc.r.Create(ctx, obj, metav1.CreateOptions{})
	if err != nil {
		return lease{}, err
	}
	return leaseOf(out)
}

// update writes l over the stored Lease, which must still be at
// l.resourceVersion (a conflict otherwise), renewing it; acquired marks a
// takeover.
func (lc *leaseClient) update(ctx context.Context, l lease, acquired bool) (lease, error) {
	obj, err := lc.object(l, acquired)
	if err != nil {
		return lease{}, err
	}
	out, err := lc.r.Update(ctx, obj, metav1.UpdateOptions{})
	if err != nil {
		return lease{}, err
	}
	return leaseOf(out)
}

// list returns every Lease of the group.
func (lc *leaseClient) list(ctx context.Context) ([]lease, error) {
	l, err := lc.r.List(ctx, metav1.ListOptions{LabelSelector: groupLabel + "=" + lc.group})
	if err != nil {
		return nil, err
	}
	out := make([]lease, 0, len(l.Items))
	for i := range l.Items {
		le, err := leaseOf(&l.Items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, le)
	}
	return out, nil
}

// get returns the Lease name as stored.
func (lc *leaseClient) get(ctx context.Context, name string) (lease, error) {
	out, err := lc.r.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return lease{}, err
	}
	return leaseOf(out)
}

// delete deletes the Lease name if it is still at resourceVersion.
func (lc *leaseClient) delete(ctx context.Context, name, resourceVersion string) error {
	return lc.r.Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &resourceVersion}})
}

// leaseOf reads a Lease. Fields a replica did not write (another program's
// Lease in the group) read as empty.
func leaseOf(u *unstructured.Unstructured) (lease, error) {
	var obj coordinationv1.Lease
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &obj); err != nil {
		return lease{}, fmt.Errorf("fleet: decode Lease %s: %w", u.GetName(), err)
	}
	l := lease{name: obj.Name, epoch: obj.Annotations[epochAnnotation], resourceVersion: obj.ResourceVersion}
	if s := obj.Spec.HolderIdentity; s != nil {
		l.identity = *s
	}
	if d := obj.Spec.LeaseDurationSeconds; d != nil && *d > 0 {
		l.duration = time.Duration(*d) * time.Second
	}
	if n := obj.Spec.LeaseTransitions; n != nil {
		l.transitions = *n
	}
	return l, nil
}

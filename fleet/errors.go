package fleet

import (
	"errors"
	"fmt"
)

// ClusterError is the error of one member: every error the fleet returns
// about a cluster is one, so that a caller fanning out to hundreds always
// knows which cluster failed. errors.Is and errors.As see the cause
// through Unwrap, so apierrors.IsNotFound(err) and the like still work.
type ClusterError struct {
	// Cluster is the member's name.
	Cluster string
	// Err is the cause.
	Err error
}

func (e *ClusterError) Error() string {
	return fmt.Sprintf("fleet: cluster %q: %v", e.Cluster, e.Err)
}

func (e *ClusterError) Unwrap() error { return e.Err }

// clusterError wraps err as a *ClusterError of cluster, unless it already
// is one for it; nil stays nil.
func clusterError(cluster string, err error) error {
	if err == nil {
		return nil
	}
	if ce, ok := errors.AsType[*ClusterError](err); ok && ce.Cluster == cluster {
		return err
	}
	return &ClusterError{Cluster: cluster, Err: err}
}

// ErrExists is the cause of Add's error for a name the fleet already has.
var ErrExists = errors.New("a member of that name exists")

// ErrNoName is the cause of Add's error for an empty name.
var ErrNoName = errors.New("a member needs a name")

// ErrRemoved is the cause given to a call that a member's removal ended.
var ErrRemoved = errors.New("the member was removed from the fleet")

// ErrHandedOver is the cause given to a member's context when its share
// moves to another replica of a sharded fleet, or the replica leaves.
var ErrHandedOver = errors.New("the member is handed over to another replica")

// PanicError is the cause of a call of Each's or Map's function that
// panicked: the panic is recovered, so that one member's bug does not take
// the process down with every other cluster's work.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the goroutine's stack at the panic.
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v\n%s", e.Value, e.Stack) }

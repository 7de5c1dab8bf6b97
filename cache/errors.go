package cache

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ErrStopped is returned (errors.Is) by WaitForSync once the informer is
// stopped, and by Cache.Informer after Cache.Stop.
var ErrStopped = errors.New("cache: stopped")

// OptionError reports InformerOptions that cannot be served: a selector
// that does not parse, a namespace for a cluster-scoped kind, or options
// that contradict those of the informer already running for the same
// resource and selectors.
type OptionError struct {
	Kind   schema.GroupVersionKind
	Field  string // the InformerOptions field, e.g. "LabelSelector"
	Reason string
	Err    error // the parser's error, if any
}

func (e *OptionError) Error() string {
	msg := fmt.Sprintf("cache: informer for %s: %s: %s", e.Kind, e.Field, e.Reason)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying parse error, if any.
func (e *OptionError) Unwrap() error { return e.Err }

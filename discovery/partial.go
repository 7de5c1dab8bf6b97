package discovery

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/internal/gvs"
)

// PartialError reports the group-versions whose discovery failed while the
// rest succeeded. It is returned alongside the healthy data, never instead of
// it: callers that can live with a missing group keep going, and the last good
// data of a failed group-version (if any was ever seen) is still served.
//
// errors.Is and errors.As see every cause through Unwrap, so
// apierrors.IsServiceUnavailable(err) and apierrors.IsNotFound(err) work on
// a PartialError as on the underlying *apierrors.StatusError.
type PartialError struct {
	// Failed maps each failed group-version to its cause: the request's error
	// (an *apierrors.StatusError for an HTTP failure) or a *StaleError.
	Failed map[schema.GroupVersion]error
}

// Error lists the failed group-versions in order, each with its cause.
func (e *PartialError) Error() string {
	gvs := e.GroupVersions()
	var b strings.Builder
	fmt.Fprintf(&b, "discovery: %d group-version(s) failed: ", len(gvs))
	for i, gv := range gvs {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %v", gv.String(), e.Failed[gv])
	}
	return b.String()
}

// Unwrap returns the causes, ordered by group-version.
func (e *PartialError) Unwrap() []error {
	gvs := e.GroupVersions()
	errs := make([]error, len(gvs))
	for i, gv := range gvs {
		errs[i] = e.Failed[gv]
	}
	return errs
}

// GroupVersions returns the failed group-versions, ordered by group then version.
func (e *PartialError) GroupVersions() []schema.GroupVersion {
	return gvs.Sorted(e.Failed)
}

// FailedGroupVersions returns e.Failed. It is the method through which other
// packages (restmapper among them) recognise a partial discovery failure.
func (e *PartialError) FailedGroupVersions() map[schema.GroupVersion]error {
	return e.Failed
}

// partialError returns a *PartialError for failed, or nil when nothing failed.
// The nil is untyped so that callers can return it as an error directly.
func partialError(failed map[schema.GroupVersion]error) error {
	if len(failed) == 0 {
		return nil
	}
	return &PartialError{Failed: failed}
}

// StaleError says that aggregated discovery marked a group-version Stale: the
// API server could not refresh it from the aggregated API server that serves
// it (an APIService that is down, say).
type StaleError struct {
	GroupVersion schema.GroupVersion
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("discovery: %s is marked Stale in aggregated discovery", e.GroupVersion.String())
}

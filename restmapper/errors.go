package restmapper

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/internal/gvs"
)

// groupVersionFailures is implemented by discovery errors (*discovery.PartialError) that name the
// group-versions that failed while the rest succeeded.
type groupVersionFailures interface {
	FailedGroupVersions() map[schema.GroupVersion]error
}

// failuresOf returns the failed group-versions err names, or nil.
func failuresOf(err error) map[schema.GroupVersion]error {
	var f groupVersionFailures
	if errors.As(err, &f) {
		return f.FailedGroupVersions()
	}
	return nil
}

// causeFor returns the cause err gives for gv, or err itself.
func causeFor(err error, gv schema.GroupVersion) error {
	if c, ok := failuresOf(err)[gv]; ok {
		return c
	}
	return err
}

// DiscoveryError is returned by a lookup that found nothing in groups whose
// discovery failed: the answer may be in the part that could not be read.
// Lookups that the last good data of those groups answers do not fail.
//
// Where a cause is NotFound, errors.Is and meta.IsNoMatchError see a
// *meta.NoResourceMatchError for that group-version, so callers that treat
// a missing API as "no match" keep working.
type DiscoveryError struct {
	// Failed maps each failed group-version to its cause.
	Failed map[schema.GroupVersion]error
}

// FailedGroupVersions returns e.Failed.
func (e *DiscoveryError) FailedGroupVersions() map[schema.GroupVersion]error {
	return e.Failed
}

// Error lists the failed group-versions in order, each with its cause.
func (e *DiscoveryError) Error() string {
	var b strings.Builder
	b.WriteString("restmapper: discovery failed for ")
	for i, gv := range e.groupVersions() {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %v", gv, e.Failed[gv])
	}
	return b.String()
}

// Unwrap returns the causes in group-version order, each NotFound cause
// preceded by a no-match error for its group-version.
func (e *DiscoveryError) Unwrap() []error {
	var errs []error
	for _, gv := range e.groupVersions() {
		cause := e.Failed[gv]
		if apierrors.IsNotFound(cause) {
			errs = append(errs, &meta.NoResourceMatchError{PartialResource: gv.WithResource("")})
		}
		errs = append(errs, cause)
	}
	return errs
}

func (e *DiscoveryError) groupVersions() []schema.GroupVersion {
	return gvs.Sorted(e.Failed)
}

// isMiss reports whether err says the lookup found nothing, which is worth a
// discovery refresh; ambiguity and bad input are not.
func isMiss(err error) bool {
	var de *DiscoveryError
	return meta.IsNoMatchError(err) || errors.As(err, &de)
}

// explain turns a miss in groups whose discovery failed into a
// *DiscoveryError naming them.
func (s *snapshot) explain(sc scope, err error) error {
	if err == nil || !meta.IsNoMatchError(err) {
		return err
	}
	if failed := s.failures(sc); len(failed) > 0 {
		return &DiscoveryError{Failed: failed}
	}
	return err
}

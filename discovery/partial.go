package discovery

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kdyn/kdyn/internal/gvs"
)

// PartialError reports the group-versions whose discovery failed while the
// rest succeeded, and the entries of the root documents left out as invalid.
// It is returned alongside the healthy data, never instead of it: callers
// that can live with a missing group keep going, and the last good data of a
// failed group-version (if any was ever seen) is still served.
//
// errors.Is and errors.As see every cause through Unwrap, so
// apierrors.IsServiceUnavailable(err) and apierrors.IsNotFound(err) work on
// a PartialError as on the underlying *apierrors.StatusError.
type PartialError struct {
	// Failed maps each failed group-version to its cause: the request's error
	// (an *apierrors.StatusError for an HTTP failure) or a *StaleError.
	Failed map[schema.GroupVersion]error
	// Invalid lists the entries of /api and /apis that were left out because
	// no API server can serve their names. They are not in Failed: they name
	// nothing that could ever be discovered.
	Invalid []*InvalidEntryError
}

// Error lists the failed group-versions in order, each with its cause, then
// the invalid entries.
func (e *PartialError) Error() string {
	gvs := e.GroupVersions()
	var b strings.Builder
	b.WriteString("discovery: ")
	if len(gvs) > 0 || len(e.Invalid) == 0 {
		fmt.Fprintf(&b, "%d group-version(s) failed: ", len(gvs))
		for i, gv := range gvs {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %v", gv.String(), e.Failed[gv])
		}
	}
	if len(e.Invalid) > 0 {
		if len(gvs) > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%d invalid entr(ies) left out: ", len(e.Invalid))
		for i, ie := range e.Invalid {
			if i > 0 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "%s: %v", ie.Path, ie.Err)
		}
	}
	return b.String()
}

// Unwrap returns the causes, ordered by group-version, then the invalid entries.
func (e *PartialError) Unwrap() []error {
	gvs := e.GroupVersions()
	errs := make([]error, 0, len(gvs)+len(e.Invalid))
	for _, gv := range gvs {
		errs = append(errs, e.Failed[gv])
	}
	for _, ie := range e.Invalid {
		errs = append(errs, ie)
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

// partialError returns a *PartialError for failed and invalid, or nil when
// both are empty. The nil is untyped so that callers can return it as an
// error directly.
func partialError(failed map[schema.GroupVersion]error, invalid []*InvalidEntryError) error {
	if len(failed) == 0 && len(invalid) == 0 {
		return nil
	}
	return &PartialError{Failed: failed, Invalid: invalid}
}

// InvalidEntryError is an entry of /api or /apis that discovery left out
// because no API server can serve its name: a group named "../x", a version
// with a slash, a group without a name in /apis; or because an aggregated
// document listed its group-version before (the first listing is served).
// Only a broken or hostile server sends one; the rest of the document is
// served, and no request or disk cache path is ever made of the entry.
type InvalidEntryError struct {
	// Path is the document that listed the entry: "/api" or "/apis".
	Path string
	// GroupVersion is the entry as the server named it.
	GroupVersion schema.GroupVersion
	// Err says what is wrong with it.
	Err error
}

func (e *InvalidEntryError) Error() string {
	return "discovery: get " + e.Path + ": left out " + e.Err.Error()
}

func (e *InvalidEntryError) Unwrap() error { return e.Err }

// StaleError says that aggregated discovery marked a group-version Stale: the
// API server could not refresh it from the aggregated API server that serves
// it (an APIService that is down, say).
type StaleError struct {
	GroupVersion schema.GroupVersion
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("discovery: %s is marked Stale in aggregated discovery", e.GroupVersion.String())
}

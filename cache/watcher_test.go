package cache

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestRefusesWatchList(t *testing.T) {
	listOptions := schema.GroupKind{Group: "meta.k8s.io", Kind: "ListOptions"}
	for name, tc := range map[string]struct {
		err  error
		want bool
	}{
		"422, the gate off": {apierrors.NewInvalid(listOptions, "", field.ErrorList{
			field.Forbidden(field.NewPath("sendInitialEvents"), "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled")}), true},
		"422, before 1.27": {apierrors.NewInvalid(listOptions, "", field.ErrorList{
			field.Forbidden(field.NewPath("resourceVersionMatch"), "resourceVersionMatch is forbidden for watch")}), true},
		"400 naming the parameter": {apierrors.NewBadRequest("unknown parameter sendInitialEvents"), true},
		"400 for a selector":       {apierrors.NewBadRequest(`field label not supported: spec.color`), false},
		"no bookmark":              {fmt.Errorf("watch: %w", errNoInitialEventsEnd), true},
		"404":                      {apierrors.NewNotFound(schema.GroupResource{Resource: "widgets"}, ""), false},
		"500":                      {apierrors.NewInternalError(errors.New("boom")), false},
		"403":                      {apierrors.NewForbidden(schema.GroupResource{Resource: "widgets"}, "", errors.New("no")), false},
	} {
		assert.Equal(t, tc.want, refusesWatchList(tc.err), name)
	}
}

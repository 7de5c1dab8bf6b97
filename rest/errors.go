package rest

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// maxErrorBody bounds the body excerpt kept in a generic server error: enough
// for an HTML error page's gist, not a whole list response.
const maxErrorBody = 1024

// ErrorFromResponse converts a non-2xx API response into an error callers
// already understand, so that apierrors.IsNotFound, IsConflict, ... work:
//   - a metav1.Status body becomes *apierrors.StatusError carrying it (its
//     Code taken from the response when the body has none);
//   - any other body becomes the *apierrors.StatusError of
//     apierrors.NewGenericServerResponse for code, with an excerpt of the
//     body (at most 1 KiB) and the Retry-After seconds.
//
// It returns nil for 2xx and 304 Not Modified. header may be nil.
func ErrorFromResponse(code int, header http.Header, body []byte) error {
	return errorFromResponse("", code, header, body)
}

// errorFromResponse is ErrorFromResponse knowing the method, which tells a
// conflict (PUT) from an already-existing object (POST).
func errorFromResponse(method string, code int, header http.Header, body []byte) error {
	if (code >= 200 && code < 300) || code == http.StatusNotModified {
		return nil
	}
	if st, ok := decodeStatus(body); ok {
		if st.Code == 0 {
			st.Code = int32(code)
		}
		return &apierrors.StatusError{ErrStatus: *st}
	}
	secs, _ := retryAfterSeconds(header)
	return apierrors.NewGenericServerResponse(code, method, schema.GroupResource{}, "",
		bodyExcerpt(body), int(min(secs, math.MaxInt32)), true)
}

// decodeStatus decodes body as a metav1.Status if it is one (kind Status,
// apiVersion v1 or meta.k8s.io/v1) and says it failed.
func decodeStatus(body []byte) (*metav1.Status, bool) {
	var st metav1.Status
	if len(body) == 0 || json.Unmarshal(body, &st) != nil {
		return nil, false
	}
	if st.Kind != "Status" || (st.APIVersion != "v1" && st.APIVersion != "meta.k8s.io/v1") {
		return nil, false
	}
	if st.Status == metav1.StatusSuccess {
		return nil, false
	}
	return &st, true
}

// bodyExcerpt returns at most maxErrorBody bytes of body, cut on a rune
// boundary, with surrounding space trimmed.
func bodyExcerpt(body []byte) string {
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
		for len(body) > 0 && !utf8.Valid(body) {
			body = body[:len(body)-1]
		}
	}
	return strings.TrimSpace(string(body))
}

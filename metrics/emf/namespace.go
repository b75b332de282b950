package emf

import "strings"

// ValidNamespace reports whether CloudWatch accepts ns as a custom metric
// namespace: 1 to 255 characters among letters, digits, '.', '-', '_', '/',
// '#', ':' and space, not starting with ':' and not under "AWS/", which is
// AWS's own.
func ValidNamespace(ns string) bool {
	if ns == "" || len(ns) > 255 || ns[0] == ':' || strings.HasPrefix(ns, "AWS/") {
		return false
	}
	for _, c := range []byte(ns) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("._-/#: ", c) >= 0:
		default:
			return false
		}
	}
	return true
}

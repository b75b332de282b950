package push_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/push"
)

// documentedChannel is the channel regex of the AppSync Events
// documentation, copied verbatim (see shared/reference/appsync-events.md),
// so that the fuzz target checks push's own pattern against it.
var documentedChannel = regexp.MustCompile(`^\/?[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?(?:\/[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?){0,4}\/?$`)

// FuzzNormalizeChannel checks NormalizeChannel against a hand-written
// reading of AppSync's channel rules: 1 to 5 segments of 1 to 50 of
// [A-Za-z0-9-], not starting or ending with '-', one optional leading and
// one optional trailing '/'; with wildcard, also 1 to 4 such segments
// followed by a last segment '*'. It asserts that
//   - a name is accepted exactly when the rules accept it (and, without
//     wildcard, exactly when the documented regex matches it);
//   - the result is the canonical form: one leading '/', no trailing '/',
//     the segments unchanged;
//   - normalising is idempotent, and a wildcard result is refused without
//     wildcard while a plain one is accepted;
//   - '*' appears only as the whole last segment, and only with wildcard;
//   - Namespace is the first segment of the result.
func FuzzNormalizeChannel(f *testing.F) {
	for _, s := range []string{
		"/jobs/abc", "jobs/abc", "/jobs/abc/", "jobs", "/jobs/01a200f6-74bc-7e9c-b070-8ae4def8a5e3",
		"/a/b/c/d/e", "/a/b/c/d/e/f", "/jobs/bad_channel", "/jobs/-x", "/jobs/x-", "/jobs//x", "", "/", "//",
		"/jobs/" + strings.Repeat("a", 50), "/jobs/" + strings.Repeat("a", 51), "/jobs/*", "jobs/*", "/jobs/*/",
		"/a/b/c/d/*", "/a/b/c/d/e/*", "/*", "*", "/jobs/*/x", "/jobs/x*", "/jobs/**", "/jobs//*", "//jobs/x",
		"/jobs/x//", "/jobs/é", "/jobs/x\n", "/jobs/*\n",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, in string, wildcard bool) {
		got, err := push.NormalizeChannel(in, wildcard)
		want, ok := channelRules(in, wildcard)
		if !wildcard && ok != documentedChannel.MatchString(in) {
			t.Fatalf("the reading of the rules and the documented regex disagree on %q", in)
		}
		if err != nil {
			if ok {
				t.Fatalf("NormalizeChannel(%q, %v) refused a valid name (want %q): %v", in, wildcard, want, err)
			}
			if !strings.Contains(err.Error(), "not valid") {
				t.Fatalf("NormalizeChannel(%q, %v): error %q does not say why", in, wildcard, err)
			}
			return
		}
		if !ok {
			t.Fatalf("NormalizeChannel(%q, %v) = %q, want an error: the name breaks AppSync's channel rules", in, wildcard, got)
		}
		if got != want {
			t.Fatalf("NormalizeChannel(%q, %v) = %q, want %q", in, wildcard, got, want)
		}
		again, err := push.NormalizeChannel(got, wildcard)
		if err != nil || again != got {
			t.Fatalf("not idempotent: NormalizeChannel(%q) = %q, %v", got, again, err)
		}
		isWildcard := strings.HasSuffix(got, "/*")
		if n := strings.Count(got, "*"); n > 1 || n == 1 && (!isWildcard || !wildcard) {
			t.Fatalf("NormalizeChannel(%q, %v) = %q: '*' may only be the last segment of a subscription", in, wildcard, got)
		}
		if plain, err := push.NormalizeChannel(got, false); isWildcard != (err != nil) || err == nil && plain != got {
			t.Fatalf("NormalizeChannel(%q, false) = %q, %v: a wildcard must be refused there, a plain name kept", got, plain, err)
		}
		if !isWildcard && !documentedChannel.MatchString(got) {
			t.Fatalf("result %q does not match the documented regex", got)
		}
		first, _, _ := strings.Cut(got[1:], "/")
		if ns := push.Namespace(got); ns != first || ns == "*" {
			t.Fatalf("Namespace(%q) = %q, want %q", got, ns, first)
		}
	})
}

// channelRules is the canonical form of in under AppSync's rules, written
// without a regex, and whether in is valid at all.
func channelRules(in string, wildcard bool) (string, bool) {
	s := strings.TrimSuffix(strings.TrimPrefix(in, "/"), "/")
	segments := strings.Split(s, "/")
	n := len(segments)
	if wildcard && n >= 2 && n <= 5 && segments[n-1] == "*" && allSegments(segments[:n-1]) {
		return "/" + s, true
	}
	if n <= 5 && allSegments(segments) {
		return "/" + s, true
	}
	return "", false
}

func allSegments(segments []string) bool {
	for _, seg := range segments {
		if len(seg) < 1 || len(seg) > 50 || seg[0] == '-' || seg[len(seg)-1] == '-' {
			return false
		}
		for _, r := range seg {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

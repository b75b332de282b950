package push_test

import (
	"strings"
	"testing"

	"github.com/asyncjobs/asyncjobs/push"
)

func TestNormalizeChannel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		wildcard bool
		want     string // "" means refused
	}{
		{"/jobs/abc", false, "/jobs/abc"},
		{"jobs/abc", false, "/jobs/abc"},
		{"/jobs/abc/", false, "/jobs/abc"},
		{"/jobs/01a200f6-74bc-7e9c-b070-8ae4def8a5e3", false, "/jobs/01a200f6-74bc-7e9c-b070-8ae4def8a5e3"},
		{"/a/b/c/d/e", false, "/a/b/c/d/e"},
		{"/a/b/c/d/e/f", false, ""},
		{"/jobs/bad_channel", false, ""},
		{"/jobs/-x", false, ""},
		{"/jobs/x-", false, ""},
		{"/jobs//x", false, ""},
		{"", false, ""},
		{"/jobs/" + strings.Repeat("a", 51), false, ""},
		{"/jobs/" + strings.Repeat("a", 50), false, "/jobs/" + strings.Repeat("a", 50)},
		{"/jobs/*", false, ""},
		{"/jobs/*", true, "/jobs/*"},
		{"jobs/*", true, "/jobs/*"},
		{"/a/b/c/d/*", true, "/a/b/c/d/*"},
		{"/a/b/c/d/e/*", true, ""},
		{"/*", true, ""},
		{"/jobs/*/x", true, ""},
		{"/jobs/x*", true, ""},
	}
	for _, tt := range tests {
		got, err := push.NormalizeChannel(tt.in, tt.wildcard)
		if tt.want == "" {
			if err == nil {
				t.Errorf("NormalizeChannel(%q, %v) = %q, want an error", tt.in, tt.wildcard, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeChannel(%q, %v) = %q, %v; want %q", tt.in, tt.wildcard, got, err, tt.want)
		}
	}
	if ns := push.Namespace("/jobs/abc"); ns != "jobs" {
		t.Errorf("Namespace = %q", ns)
	}
}

func TestValidNamespace(t *testing.T) {
	t.Parallel()
	for ns, want := range map[string]bool{
		"jobs": true, "/jobs": true, "jobs/": true, "/jobs/": true, "job-events": true,
		"": false, "/": false, "//jobs": false, "jobs/a": false, "-jobs": false, "jo_bs": false,
		strings.Repeat("a", 50): true, strings.Repeat("a", 51): false,
	} {
		if got := push.ValidNamespace(ns); got != want {
			t.Errorf("ValidNamespace(%q) = %t, want %t", ns, got, want)
		}
	}
}

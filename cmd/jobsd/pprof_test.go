package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestPprofAddrIsOffUnlessAsked(t *testing.T) {
	s, _, err := serveConfig(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if s.pprofAddr != "" {
		t.Errorf("pprof address %q by default, want none", s.pprofAddr)
	}
	s, _, err = serveConfig([]string{"--pprof-addr", "127.0.0.1:6060"}, io.Discard)
	if err != nil || s.pprofAddr != "127.0.0.1:6060" {
		t.Errorf("--pprof-addr 127.0.0.1:6060: got %q, %v", s.pprofAddr, err)
	}
	t.Setenv("JOBS_PPROF_ADDR", "[::1]:6061")
	s, _, err = serveConfig(nil, io.Discard)
	if err != nil || s.pprofAddr != "[::1]:6061" {
		t.Errorf("JOBS_PPROF_ADDR=[::1]:6061: got %q, %v", s.pprofAddr, err)
	}
}

// TestProfilesAreServedApartFromTheAPI starts jobsd's system as run does,
// with --pprof-addr: the banner says where the profiles are, they are
// served there, to loopback Hosts only, and never on the API's address.
func TestProfilesAreServedApartFromTheAPI(t *testing.T) {
	args := []string{"--addr", "127.0.0.1:0", "--events-addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--auth", "none", "--pprof-addr", "127.0.0.1:0"}
	s, _, err := serveConfig(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var banner bytes.Buffer
	sys, profiles, err := start(s, &banner)
	if err != nil {
		t.Fatal(err)
	}
	defer profiles.Close()
	defer sys.Shutdown(context.Background())
	m := regexp.MustCompile(`Profiles\s+(http://127\.0\.0\.1:\d+/debug/pprof/)\s`).FindStringSubmatch(banner.String())
	if m == nil {
		t.Fatalf("the banner does not say where the profiles are:\n%s", banner.String())
	}
	status, body := getPage(t, m[1], "")
	if status != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("GET %s: %d, want 200 and the profiles' index:\n%.300s", m[1], status, body)
	}
	if status, _ := getPage(t, m[1], "rebound.example:80"); status != http.StatusMisdirectedRequest {
		t.Errorf("GET %s with Host rebound.example: %d, want 421", m[1], status)
	}
	api := "http://" + sys.Addr() + "/debug/pprof/"
	if status, _ := getPage(t, api, ""); status != http.StatusNotFound {
		t.Errorf("GET %s on the API: %d, want 404", api, status)
	}
}

// getPage GETs url, with Host host unless it is empty, and returns the
// status and body.
func getPage(t *testing.T, url, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

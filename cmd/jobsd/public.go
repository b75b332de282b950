package main

import (
	"fmt"
	"strings"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
	"github.com/asyncjobs/asyncjobs/internal/loopback"
	"github.com/asyncjobs/asyncjobs/local"
)

// publicExposure applies jobsd's rule for addresses beyond this machine:
// with --addr or --events-addr not loopback, settings that let anyone in
// (--auth=none, a credential with the published dev secret) are refused
// unless insecure (--insecure-public) is set; then warning says what is
// exposed. Nothing is returned when both addresses are loopback or nothing
// lets anyone in.
func publicExposure(cfg local.Config, insecure bool) (warning string, err error) {
	var public, open []string
	for _, a := range []struct{ flag, addr string }{{"--addr", cfg.Addr}, {"--events-addr", cfg.EventsAddr}} {
		if !loopback.Addr(a.addr) {
			public = append(public, fmt.Sprintf("%s %s", a.flag, a.addr))
		}
	}
	if !cfg.Auth && len(cfg.Credentials) > 0 {
		open = append(open, fmt.Sprintf("--auth=none lets every caller act as %s", cfg.Credentials[0].Principal))
	}
	for _, c := range cfg.Credentials {
		if cfg.Auth && c.SecretAccessKey == sigv4.DevSecretAccessKey {
			open = append(open, fmt.Sprintf("the published dev secret lets anyone sign as %s (access key %s; set JOBS_SECRET_ACCESS_KEY or --credentials-file)", c.Principal, c.AccessKeyID))
		}
	}
	if len(public) == 0 || len(open) == 0 {
		return "", nil
	}
	what := fmt.Sprintf("%s: not loopback, and %s", strings.Join(public, " and "), strings.Join(open, "; "))
	if !insecure {
		return "", fmt.Errorf("refusing to serve beyond this machine: %s; listen on 127.0.0.1, or pass --insecure-public (env JOBS_INSECURE_PUBLIC=true) to expose it anyway", what)
	}
	return "serving beyond this machine without protection (--insecure-public): " + what, nil
}

// profilesExposure applies the same rule to --pprof-addr, whose profiles
// nothing protects: an address that is not loopback is refused unless
// insecure (--insecure-public) is set; then warning says so.
func profilesExposure(addr string, insecure bool) (warning string, err error) {
	if addr == "" || loopback.Addr(addr) {
		return "", nil
	}
	what := fmt.Sprintf("--pprof-addr %s: not loopback, and profiles (memory contents, command line, CPU time on demand) have no authentication", addr)
	if !insecure {
		return "", fmt.Errorf("refusing to serve profiles beyond this machine: %s; listen on 127.0.0.1, or pass --insecure-public (env JOBS_INSECURE_PUBLIC=true) to expose them anyway", what)
	}
	return "serving profiles beyond this machine (--insecure-public): " + what, nil
}

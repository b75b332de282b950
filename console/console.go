// Package console serves the jobs console: a web page, embedded in the
// binary, that shows the caller's jobs live, and the endpoints it calls. The
// server signs every API call with the user's credentials (the page never
// sees them), so it guards itself against other web pages: it answers only
// requests addressed to this machine, refuses foreign Origins and wants a
// custom header on the calls that change something.
package console

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/asyncjobs/asyncjobs/internal/apisign"
	"github.com/asyncjobs/asyncjobs/internal/loopback"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// Path is where the console is served; the page is Path itself.
const Path = "/console/"

// WriteHeader is the header, with value "1", that the page sends on every
// POST and DELETE: a cross-site form cannot set it, and a cross-site fetch
// that sets it needs a CORS preflight, which the console never grants.
const WriteHeader = "X-Console"

//go:embed web
var web embed.FS

// Dialer opens a realtime connection to the AppSync Events endpoint that
// pushes job changes.
type Dialer func(ctx context.Context) (*appsync.Conn, error)

// Config says where the API is and how to call it for the user.
type Config struct {
	Endpoint   string          // the API's base URL: jobsd's, or API Gateway's with its stage
	HTTPClient *http.Client    // calls the API; nil: http.DefaultClient
	Signer     *apisign.Signer // signs API calls; nil: they go unsigned (jobsd --auth=none)
	Events     Dialer          // connects to the job channels
	Namespace  string          // the channel namespace of job events
	ListenAddr string          // the address the console is served on, for the Host check
}

// Console is the console's http.Handler.
type Console struct {
	cfg    Config
	assets http.Handler
}

// New returns the console that cfg describes.
func New(cfg Config) (*Console, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("console: the API endpoint must be an http(s) URL, not %q", cfg.Endpoint)
	}
	if cfg.Events == nil {
		return nil, errors.New("console: no events dialer")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	files, err := fs.Sub(web, "web")
	if err != nil {
		return nil, err
	}
	return &Console{cfg: cfg, assets: http.StripPrefix(Path, http.FileServerFS(files))}, nil
}

// ServeHTTP serves the page and its assets, /console/api/… and
// /console/events, after the guards.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopback.HostHeader(r.Host, c.cfg.ListenAddr) {
		refuse(w, http.StatusMisdirectedRequest, fmt.Sprintf("Host %q is refused: the console answers only requests addressed to this machine", r.Host))
		return
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "http://"+r.Host {
		refuse(w, http.StatusForbidden, fmt.Sprintf("Origin %q is refused: only the console's own page may call it", origin))
		return
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		refuse(w, http.StatusForbidden, "cross-site requests are refused")
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	rest := strings.TrimPrefix(r.URL.Path, Path)
	switch {
	case rest == "events":
		c.events(w, r)
	case rest == "api" || strings.HasPrefix(rest, "api/"):
		c.api(w, r, strings.TrimPrefix(rest, "api"))
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		c.assets.ServeHTTP(w, r)
	default:
		refuse(w, http.StatusMethodNotAllowed, "the console's pages are read with GET")
	}
}

// refuse answers a problem+json with status and detail.
func refuse(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"type":"about:blank","title":%q,"status":%d,"detail":%q}`+"\n", http.StatusText(status), status, detail)
}

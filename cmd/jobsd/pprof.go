package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/asyncjobs/asyncjobs/internal/loopback"
)

// profiler serves net/http/pprof (--pprof-addr) on a listener of its own,
// never on the API's: profiles show memory and cost CPU, and have no
// authentication.
type profiler struct {
	listener net.Listener
	server   *http.Server
}

// startProfiler listens on addr and serves /debug/pprof/ there. Like the
// API, it answers only requests addressed to an IP address, a loopback name
// or addr's host, so that no web page reaches it by DNS rebinding.
func startProfiler(addr string) (*profiler, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof-addr: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	guarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback.HostHeader(r.Host, addr) {
			http.Error(w, fmt.Sprintf("Host %q is refused: profiles answer only requests addressed to an IP address, a loopback name or %s", r.Host, addr), http.StatusMisdirectedRequest)
			return
		}
		mux.ServeHTTP(w, r)
	})
	p := &profiler{listener: ln, server: &http.Server{Handler: guarded, ReadHeaderTimeout: 10 * time.Second}}
	go p.server.Serve(ln) // returns http.ErrServerClosed when Close is called
	return p, nil
}

// URL is where the profiles' index is.
func (p *profiler) URL() string {
	return "http://" + p.listener.Addr().String() + "/debug/pprof/"
}

// Close stops serving profiles; a profile being taken is cut short.
func (p *profiler) Close() error {
	return p.server.Close()
}

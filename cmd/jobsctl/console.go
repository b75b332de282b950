package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/asyncjobs/asyncjobs/console"
	"github.com/asyncjobs/asyncjobs/internal/apisign"
	"github.com/asyncjobs/asyncjobs/internal/loopback"
	"github.com/asyncjobs/asyncjobs/push/appsync"
)

// consoleCmd serves the console on a loopback address until ctx ends; it
// calls the API signed with jobsctl's credentials, which never reach the page.
func consoleCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	api := apiFlags(fs)
	events := eventsFlags(fs)
	addr := fs.String("addr", "127.0.0.1:0", "the loopback address to serve the console on (port 0: a free one)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: jobsctl console [--addr 127.0.0.1:0] [flags]\n\nServes the jobs console on this machine and prints its URL; it acts with your credentials.")
		fs.PrintDefaults()
	}
	if _, err := parse(fs, args, stderr, 0); err != nil {
		return err
	}
	if err := api.check(); err != nil {
		return err
	}
	if !loopback.Addr(*addr) {
		return fmt.Errorf("--addr %q: the console acts with your credentials, so it serves on a loopback address only", *addr)
	}
	c, err := newConsole(ctx, api, events, *addr)
	if err != nil {
		return err
	}
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(listener) }()
	fmt.Fprintf(stdout, "Console   http://%s%s   (for %s; Ctrl-C stops it)\n", listener.Addr(), console.Path, api.endpoint)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// newConsole builds the console for the API and events endpoints the flags
// name, signing as the other commands do.
func newConsole(ctx context.Context, api *apiOptions, events *eventsOptions, addr string) (*console.Console, error) {
	hc, err := api.httpClient(api.endpoint)
	if err != nil {
		return nil, err
	}
	var signer *apisign.Signer
	if !api.noSign {
		creds, err := api.signingCredentials(ctx)
		if err != nil {
			return nil, err
		}
		signer = apisign.New(creds, api.region)
	}
	return console.New(console.Config{
		Endpoint: api.endpoint, HTTPClient: hc, Signer: signer, Namespace: events.namespace, ListenAddr: addr,
		Events: func(ctx context.Context) (*appsync.Conn, error) { return events.dial(ctx, api) },
	})
}

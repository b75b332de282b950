package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
)

// ls prints the caller's jobs, newest first: one page, or with --all every
// page. With more pages and no --all, it says so on stderr.
func ls(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ls", flag.ContinueOnError)
	api := apiFlags(fs)
	status := fs.String("status", "", "only jobs in this status: Pending, Running, Success, Failure or Cancelled")
	typ := fs.String("type", "", "only jobs of this type")
	limit := fs.Int("limit", 0, "jobs per page, 1 to 200 (default: the API's, 50)")
	all := fs.Bool("all", false, "print every page, not only the first")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: jobsctl ls [--status S] [--type T] [--limit N] [--all] [flags]\n\nPrints your jobs, newest first.")
		fs.PrintDefaults()
	}
	if _, err := parse(fs, args, stderr, 0); err != nil {
		return err
	}
	if err := api.check(); err != nil {
		return err
	}
	c, err := api.newClient(ctx)
	if err != nil {
		return err
	}
	query := url.Values{}
	for name, v := range map[string]string{"status": *status, "type": *typ} {
		if v != "" {
			query.Set(name, v)
		}
	}
	if *limit != 0 {
		query.Set("limit", strconv.Itoa(*limit))
	}
	p := newPrinter(stdout, api.output)
	for first := true; ; first = false {
		page, err := c.list(ctx, query)
		if err != nil {
			return err
		}
		p.jobs(page.Jobs, first)
		if page.Next == "" {
			return nil
		}
		if !*all {
			fmt.Fprintln(stderr, "more jobs: add --all to list them all")
			return nil
		}
		query.Set("cursor", page.Next)
	}
}

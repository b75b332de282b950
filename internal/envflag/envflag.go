// Package envflag gives command-line flags environment twins: a flag not
// given on the command line takes its variable's value, if that is set.
package envflag

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Parse reads args, then fills every flag of env (flag name → variable)
// that the command line did not give from its environment variable, if set.
// Extra arguments are an error.
func Parse(fs *flag.FlagSet, args []string, env map[string]string) error {
	return parse(fs, args, env, os.LookupEnv)
}

func parse(fs *flag.FlagSet, args []string, env map[string]string, lookup func(string) (string, bool)) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, name := range slices.Sorted(maps.Keys(env)) {
		v, ok := lookup(env[name])
		if given[name] || !ok {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("%s=%q: %w", env[name], v, err)
		}
	}
	return nil
}

package envflag

import (
	"flag"
	"io"
	"testing"
)

func TestEnvironmentFillsWhatTheCommandLineDoesNotGive(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "default-addr", "")
	dir := fs.String("data-dir", "default-dir", "")
	n := fs.Int("n", 1, "")
	env := map[string]string{"addr": "T_ADDR", "data-dir": "T_DIR", "n": "T_N"}
	vars := map[string]string{"T_ADDR": "from-env", "T_DIR": "env-dir"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	if err := parse(fs, []string{"--data-dir", "flag-dir"}, env, lookup); err != nil {
		t.Fatal(err)
	}
	if *addr != "from-env" || *dir != "flag-dir" || *n != 1 {
		t.Errorf("addr %q, data-dir %q, n %d; want from-env, flag-dir (the flag wins), 1 (unset)", *addr, *dir, *n)
	}
	vars["T_N"] = "many"
	fs2 := flag.NewFlagSet("test", flag.ContinueOnError)
	fs2.SetOutput(io.Discard)
	fs2.Int("n", 1, "")
	if err := parse(fs2, nil, map[string]string{"n": "T_N"}, lookup); err == nil {
		t.Error("T_N=many was accepted for an int flag")
	}
	if err := parse(flag.NewFlagSet("x", flag.ContinueOnError), []string{"extra"}, nil, lookup); err == nil {
		t.Error("an extra argument was accepted")
	}
}

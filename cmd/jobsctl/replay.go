package main

import (
	"context"
	"errors"
	"io"
)

// errReplayMoved answers `jobsctl replay`: the local replay opens jobsd's
// data files, so it is jobsd's own subcommand and the CLI stays a client.
var errReplayMoved = errors.New("replay moved to jobsd: stop jobsd, then run " +
	"'jobsd replay --from TIME [--to TIME] [--data-dir DIR]'; in AWS use 'aws events start-replay'")

func replay(context.Context, []string, io.Writer, io.Writer) error { return errReplayMoved }

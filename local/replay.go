package local

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// Replay sends the failure events archived in [from, to) to the error
// handler, as an EventBridge archive replay sends them to the bus's rule. The
// data directory must not be in use by a running jobsd.
func Replay(ctx context.Context, dataDir string, from, to time.Time, clock jobs.Clock, logger *slog.Logger) (errorhandling.ReplayReport, error) {
	store, archive, err := openData(dataDir, time.Second, nil)
	if err != nil {
		return errorhandling.ReplayReport{}, err
	}
	handler := &errorhandling.Handler{Store: store, Notifier: logNotifier{logger}, Clock: clock, Logger: logger}
	report, err := errorhandling.Replay(ctx, archive, from, to, handler.Handle, logger)
	return report, errors.Join(err, store.Close(), archive.Close())
}

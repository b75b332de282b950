package errorhandling

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
)

// Archive keeps failure events for replay, like an EventBridge archive.
type Archive interface {
	// Put stores the event durably.
	Put(ctx context.Context, e events.EventBridgeEvent) error
	// Range calls fn for every event whose time is in [from, to), oldest first.
	Range(ctx context.Context, from, to time.Time, fn func(events.EventBridgeEvent) error) error
}

// ArchiveDestination is the error handler's on-failure destination in jobsd:
// it wraps the record in the EventBridge envelope and archives it.
type ArchiveDestination struct {
	Archive   Archive
	Region    string
	Account   string
	Resources []string // the bus and the failed function, as EventBridge lists them
	NewID     func() string
}

// Deliver archives rec.
func (d *ArchiveDestination) Deliver(ctx context.Context, rec destination.Record) error {
	e, err := Envelope(rec, d.NewID(), d.Region, d.Account, d.Resources)
	if err != nil {
		return err
	}
	if err := d.Archive.Put(ctx, e); err != nil {
		return fmt.Errorf("archive failure event %s: %w", e.ID, err)
	}
	return nil
}

// ReplayReport counts what a replay did.
type ReplayReport struct {
	Replayed int // events handled successfully
	Failed   int // events the handler refused again
}

// Replay sends every event archived in [from, to) to handle, as a replay of
// an EventBridge archive sends them to the bus's rule targets. A refused
// event is logged and counted; it stays in the archive.
func Replay(ctx context.Context, a Archive, from, to time.Time, handle func(context.Context, destination.Record) error, logger *slog.Logger) (ReplayReport, error) {
	var report ReplayReport
	err := a.Range(ctx, from, to, func(e events.EventBridgeEvent) error {
		var rec destination.Record
		err := json.Unmarshal(e.Detail, &rec)
		if err == nil {
			err = handle(ctx, rec)
		}
		if err != nil {
			report.Failed++
			logger.Error("replayed event refused", "event", e.ID, "err", err)
			return nil
		}
		report.Replayed++
		return nil
	})
	if err != nil {
		return report, fmt.Errorf("replay %s to %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	return report, nil
}

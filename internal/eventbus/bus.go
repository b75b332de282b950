// Package eventbus is an EventBridge event bus of the stack on this machine:
// the failure records Lambda delivers to it (an on-failure destination) are
// archived when they match the archive's pattern, and the bus's rules send
// matching events to their target functions; a replay puts archived events
// back on the bus with their replay-name, as EventBridge's StartReplay does,
// so the re-drive rule of the template sends them to the error handler.
package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/internal/awsstack"
	"github.com/asyncjobs/asyncjobs/jobs/localinvoker"
)

// Target is a rule's target function, invoked asynchronously as
// EventBridge invokes Lambda.
type Target interface {
	Invoke(ctx context.Context, payload json.RawMessage) error
}

// Config is what a bus needs.
type Config struct {
	Bus     *awsstack.Bus
	Archive errorhandling.Archive // where the bus's archive keeps events
	// Targets are the functions the bus's rules name, by logical id.
	Targets map[string]Target
	Region  string
	Account string
	NewID   func() string
	Logger  *slog.Logger
}

// Bus receives events.
type Bus struct{ cfg Config }

var _ localinvoker.Destination = (*Bus)(nil)

// New checks that every rule's targets are running.
func New(cfg Config) (*Bus, error) {
	if len(cfg.Bus.Archives) > 1 {
		return nil, fmt.Errorf("eventbus: bus %s has %d archives; one runs locally", cfg.Bus.Name, len(cfg.Bus.Archives))
	}
	for _, r := range cfg.Bus.Rules {
		for _, t := range r.Targets {
			if _, ok := cfg.Targets[t.Function]; !ok {
				return nil, fmt.Errorf("eventbus: rule %s targets %s, which is not running", r.LogicalID, t.Function)
			}
			if t.InputPath != "" && t.InputPath != "$.detail" && t.InputPath != "$" {
				return nil, fmt.Errorf("eventbus: rule %s: InputPath %s is not supported locally ($ and $.detail are)", r.LogicalID, t.InputPath)
			}
		}
	}
	return &Bus{cfg: cfg}, nil
}

// Deliver puts a failed invocation's record on the bus, as Lambda's
// EventBridge destination does.
func (b *Bus) Deliver(ctx context.Context, rec destination.Record) error {
	e, err := errorhandling.Envelope(rec, b.cfg.NewID(), b.cfg.Region, b.cfg.Account, []string{b.cfg.Bus.Arn, rec.RequestContext.FunctionArn})
	if err != nil {
		return err
	}
	return b.Put(ctx, e, "")
}

// Put puts an event on the bus: into the archive if it matches the
// archive's pattern (not when replayed), and to each matching rule's targets.
func (b *Bus) Put(ctx context.Context, e events.EventBridgeEvent, replayName string) error {
	raw, err := eventJSON(e, replayName)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range b.cfg.Bus.Archives {
		if replayName != "" {
			break
		}
		m, err := matches(a.Pattern, raw)
		if err == nil && m {
			err = b.cfg.Archive.Put(ctx, e)
		}
		errs = append(errs, err)
	}
	for _, r := range b.cfg.Bus.Rules {
		m, err := matches(r.Pattern, raw)
		if err != nil || !m || !r.Enabled {
			errs = append(errs, err)
			continue
		}
		for _, t := range r.Targets {
			input := json.RawMessage(raw)
			if t.InputPath == "$.detail" {
				input = e.Detail
			}
			if err := b.cfg.Targets[t.Function].Invoke(ctx, input); err != nil {
				errs = append(errs, fmt.Errorf("eventbus: rule %s: invoke %s: %w", r.LogicalID, t.Function, err))
			}
		}
	}
	return errors.Join(errs...)
}

// eventJSON is the event as rules see it, with replay-name when replayed.
func eventJSON(e events.EventBridgeEvent, replayName string) (json.RawMessage, error) {
	raw, err := json.Marshal(e)
	if err != nil || replayName == "" {
		return raw, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, err
	}
	fields["replay-name"], _ = json.Marshal(replayName)
	return json.Marshal(fields)
}

// Replay puts the events archived in [from, to) back on the bus under
// replayName, oldest first, and counts them.
func (b *Bus) Replay(ctx context.Context, replayName string, from, to time.Time) (int, error) {
	n := 0
	err := b.cfg.Archive.Range(ctx, from, to, func(e events.EventBridgeEvent) error {
		n++
		return b.Put(ctx, e, replayName)
	})
	if err != nil {
		return n, fmt.Errorf("eventbus: replay %s: %w", replayName, err)
	}
	b.cfg.Logger.Info("replayed archived events", "bus", b.cfg.Bus.Name, "replay", replayName, "events", n)
	return n, nil
}

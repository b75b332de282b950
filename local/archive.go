package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/errorhandling"
	"github.com/asyncjobs/asyncjobs/errorhandling/destination"
	"github.com/asyncjobs/asyncjobs/handlers"
	"github.com/asyncjobs/asyncjobs/handlers/problem"
	"github.com/asyncjobs/asyncjobs/jobs"
)

// The jobsd-only routes of the local archive (in AWS, the failure bus's
// archive is replayed with aws events start-replay).
const (
	ArchivePath       = "/local/archive"
	ArchiveReplayPath = "/local/archive/replay"
)

// maxReplayIDs bounds the event ids of one replay request.
const maxReplayIDs = 200

// allTime is the range of every archived event.
var allTime = [2]time.Time{time.Unix(0, 0), time.Unix(0, math.MaxInt64)}

// archiveAPI serves the caller's own archived failure events, signed like
// every route, and replays them through the running error handler: an event
// is the caller's when the Service shows the caller the job it names.
type archiveAPI struct {
	auth    handlers.Authenticator
	service *jobs.Service
	archive errorhandling.Archive
	handle  func(context.Context, destination.Record) error
	maxBody int64
	logger  *slog.Logger
}

// archivedEvent is an archived failure as the routes answer it.
type archivedEvent struct {
	ID           string    `json:"id"`
	Time         time.Time `json:"time"`
	JobID        string    `json:"jobId"`
	Condition    string    `json:"condition"`
	ErrorType    string    `json:"errorType,omitempty"`
	ErrorMessage string    `json:"errorMessage,omitempty"`
}

// replayRequest names the caller's events to replay.
type replayRequest struct {
	IDs []string `json:"ids"`
}

// replayAnswer says what became of each id: replayed (the error handler took
// it), refused again (it stays archived), or ignored (no archived event of
// the caller has it, whether it is unknown or another principal's).
type replayAnswer struct {
	Replayed     []string `json:"replayed"`
	RefusedAgain []string `json:"refusedAgain"`
	Ignored      []string `json:"ignored"`
}

func (a *archiveAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route := r.URL.Path
	if route != ArchivePath && route != ArchiveReplayPath {
		route = handlers.RouteUnmatched
	}
	serveLogged(a.logger, route, w, r, a.serve)
}

// serve answers a request for one of the routes and returns the principal
// it authenticated ("" if none), for the access line.
func (a *archiveAPI) serve(w http.ResponseWriter, r *http.Request) (principal string) {
	var want string
	switch r.URL.Path {
	case ArchivePath:
		want = http.MethodGet
	case ArchiveReplayPath:
		want = http.MethodPost
	default:
		writeProblem(w, r, http.StatusNotFound, "no resource has this path")
		return ""
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		writeProblem(w, r, http.StatusMethodNotAllowed, "the resource takes "+want)
		return ""
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		writeProblem(w, r, http.StatusBadRequest, "the request body could not be read or is too large")
		return ""
	}
	principal, err = a.auth.Authenticate(r, body)
	if err != nil {
		p := problem.For(err)
		writeProblem(w, r, p.Status, p.Detail)
		return ""
	}
	if want == http.MethodGet {
		a.list(w, r, principal)
		return principal
	}
	a.replay(w, r, principal, body)
	return principal
}

// list answers the caller's archived failures, oldest first.
func (a *archiveAPI) list(w http.ResponseWriter, r *http.Request, principal string) {
	list := []archivedEvent{}
	err := a.own(r.Context(), principal, func(e events.EventBridgeEvent, rec destination.Record, jobID string) {
		ae := archivedEvent{ID: e.ID, Time: e.Time, JobID: jobID, Condition: rec.RequestContext.Condition}
		if p := rec.ResponsePayload; p != nil {
			ae.ErrorType, ae.ErrorMessage = p.ErrorType, p.ErrorMessage
		}
		list = append(list, ae)
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"events": list})
}

// replay sends the caller's events among the ids to the error handler, the
// path jobsd replay takes; the other ids are ignored.
func (a *archiveAPI) replay(w http.ResponseWriter, r *http.Request, principal string, body []byte) {
	var req replayRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("the body must be {\"ids\": [event ids]}: %v", err))
		return
	}
	if len(req.IDs) == 0 || len(req.IDs) > maxReplayIDs {
		writeProblem(w, r, http.StatusBadRequest, fmt.Sprintf("ids must name 1 to %d archived events", maxReplayIDs))
		return
	}
	answer := replayAnswer{Replayed: []string{}, RefusedAgain: []string{}, Ignored: []string{}}
	var mine []events.EventBridgeEvent
	err := a.own(r.Context(), principal, func(e events.EventBridgeEvent, _ destination.Record, _ string) {
		if slices.Contains(req.IDs, e.ID) {
			mine = append(mine, e)
		}
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for _, id := range req.IDs {
		if !slices.ContainsFunc(mine, func(e events.EventBridgeEvent) bool { return e.ID == id }) {
			answer.Ignored = append(answer.Ignored, id)
		}
	}
	for _, e := range mine {
		report, err := errorhandling.Replay(r.Context(), oneEvent(e), allTime[0], allTime[1], a.handle, a.logger)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		if report.Replayed == 1 {
			answer.Replayed = append(answer.Replayed, e.ID)
		} else {
			answer.RefusedAgain = append(answer.RefusedAgain, e.ID)
		}
	}
	writeJSON(w, answer)
}

// own calls fn for each archived event whose job the caller may see. An
// event naming no job, a job that is gone or another's, is left out.
func (a *archiveAPI) own(ctx context.Context, principal string, fn func(events.EventBridgeEvent, destination.Record, string)) error {
	return a.archive.Range(ctx, allTime[0], allTime[1], func(e events.EventBridgeEvent) error {
		var rec destination.Record
		if json.Unmarshal(e.Detail, &rec) != nil {
			return nil
		}
		rec, jobID, ok := errorhandling.FailedJob(rec)
		if !ok {
			return nil
		}
		_, err := a.service.Get(ctx, principal, jobID)
		switch {
		case errors.Is(err, jobs.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		fn(e, rec, jobID)
		return nil
	})
}

func (a *archiveAPI) fail(w http.ResponseWriter, r *http.Request, err error) {
	a.logger.Error("local archive", "err", err)
	p := problem.For(err)
	writeProblem(w, r, p.Status, p.Detail)
}

// oneEvent is an archive holding only e, so that a replay of it takes the
// same path as jobsd replay.
type oneEvent events.EventBridgeEvent

func (e oneEvent) Put(context.Context, events.EventBridgeEvent) error {
	return errors.New("local archive: a replayed event is not archived here")
}

func (e oneEvent) Range(_ context.Context, _, _ time.Time, fn func(events.EventBridgeEvent) error) error {
	return fn(events.EventBridgeEvent(e))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v) // a failed write means the client has gone
}

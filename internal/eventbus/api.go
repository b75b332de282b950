package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
)

// maxRequest bounds an EventBridge request body (PutEvents allows 256 KB).
const maxRequest = 1 << 20

// API serves EventBridge's PutEvents, StartReplay and DescribeReplay (the
// JSON 1.1 protocol, SigV4 for service events) for the stack's buses, so
// that the SDK and the AWS CLI reach them through AWS_ENDPOINT_URL_EVENTBRIDGE
// or --endpoint-url. A replay runs at once: StartReplay answers STARTING
// once every archived event is back on the bus, and DescribeReplay says
// COMPLETED.
type API struct {
	buses    []*Bus
	verifier *sigv4.Verifier
	logger   *slog.Logger

	mu      sync.Mutex
	replays map[string]replayInfo
}

type replayInfo struct {
	arn, archiveArn string
	start, end      time.Time
	replayed        int
}

// NewAPI serves buses, checking signatures with verifier.
func NewAPI(buses []*Bus, verifier *sigv4.Verifier, logger *slog.Logger) *API {
	return &API{buses: buses, verifier: verifier, logger: logger, replays: map[string]replayInfo{}}
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequest+1))
	if err != nil || len(body) > maxRequest || r.Method != http.MethodPost {
		apiError(w, http.StatusBadRequest, "ValidationException", "a POST with a JSON body of at most 1 MiB is expected")
		return
	}
	if _, err := a.verifier.Verify(r, body); err != nil {
		var refused *sigv4.Error
		if errors.As(err, &refused) {
			apiError(w, http.StatusForbidden, "InvalidSignatureException", refused.Message)
			return
		}
		a.logger.Error("verify a signature", "err", err)
		apiError(w, http.StatusInternalServerError, "InternalException", "internal error")
		return
	}
	var out any
	switch target := r.Header.Get("X-Amz-Target"); target {
	case "AWSEvents.PutEvents":
		out, err = a.putEvents(r.Context(), body)
	case "AWSEvents.StartReplay":
		out, err = a.startReplay(r.Context(), body)
	case "AWSEvents.DescribeReplay":
		out, err = a.describeReplay(body)
	default:
		apiError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("%q is not served locally (PutEvents, StartReplay and DescribeReplay are)", target))
		return
	}
	var fault *apiFault
	if errors.As(err, &fault) {
		apiError(w, http.StatusBadRequest, fault.code, fault.message)
		return
	}
	if err != nil {
		a.logger.Error("EventBridge request failed", "target", r.Header.Get("X-Amz-Target"), "err", err)
		apiError(w, http.StatusInternalServerError, "InternalException", "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

// apiFault is a client error in EventBridge's words.
type apiFault struct{ code, message string }

func (f *apiFault) Error() string { return f.code + ": " + f.message }

func apiError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
}

// epoch is a timestamp of the JSON 1.1 protocol: seconds since 1970.
type epoch float64

func (e epoch) time() time.Time {
	sec, frac := math.Modf(float64(e))
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

func (a *API) bus(ref string) (*Bus, bool) {
	for _, b := range a.buses {
		if ref == b.cfg.Bus.Name || ref == b.cfg.Bus.Arn {
			return b, true
		}
	}
	return nil, false
}

type entryResult struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

func (a *API) putEvents(ctx context.Context, body []byte) (any, error) {
	var in struct {
		Entries []struct {
			Source, DetailType, Detail, EventBusName string
			Resources                                []string
			Time                                     *epoch
		}
	}
	if err := json.Unmarshal(body, &in); err != nil || len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, &apiFault{"ValidationException", "PutEvents takes 1 to 10 entries"}
	}
	out := struct {
		FailedEntryCount int
		Entries          []entryResult
	}{}
	for _, entry := range in.Entries {
		b, ok := a.bus(entry.EventBusName)
		if !ok {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, entryResult{ErrorCode: "NotFoundException", ErrorMessage: "no event bus " + entry.EventBusName})
			continue
		}
		if !json.Valid([]byte(entry.Detail)) {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, entryResult{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is not valid JSON"})
			continue
		}
		e := events.EventBridgeEvent{Version: "0", ID: b.cfg.NewID(), DetailType: entry.DetailType, Source: entry.Source,
			AccountID: b.cfg.Account, Time: time.Now().UTC(), Region: b.cfg.Region, Resources: entry.Resources, Detail: json.RawMessage(entry.Detail)}
		if entry.Time != nil {
			e.Time = entry.Time.time()
		}
		if err := b.Put(ctx, e, ""); err != nil {
			return nil, err
		}
		out.Entries = append(out.Entries, entryResult{EventID: e.ID})
	}
	return out, nil
}

func (a *API) startReplay(ctx context.Context, body []byte) (any, error) {
	var in struct {
		ReplayName, EventSourceArn   string
		EventStartTime, EventEndTime epoch
		Destination                  struct{ Arn string }
	}
	if err := json.Unmarshal(body, &in); err != nil || in.ReplayName == "" {
		return nil, &apiFault{"ValidationException", "StartReplay needs ReplayName, EventSourceArn, EventStartTime, EventEndTime and Destination"}
	}
	var source *Bus
	for _, b := range a.buses {
		for _, ar := range b.cfg.Bus.Archives {
			if ar.Arn == in.EventSourceArn {
				source = b
			}
		}
	}
	if source == nil {
		return nil, &apiFault{"ResourceNotFoundException", "Archive " + in.EventSourceArn + " does not exist."}
	}
	if in.Destination.Arn != source.cfg.Bus.Arn {
		return nil, &apiFault{"ValidationException", "a replay's destination must be the archive's own event bus, " + source.cfg.Bus.Arn}
	}
	a.mu.Lock()
	_, taken := a.replays[in.ReplayName]
	if !taken {
		a.replays[in.ReplayName] = replayInfo{} // the name is taken from now on
	}
	a.mu.Unlock()
	if taken {
		return nil, &apiFault{"ResourceAlreadyExistsException", "Replay " + in.ReplayName + " already exists."}
	}
	n, err := source.Replay(ctx, in.ReplayName, in.EventStartTime.time(), in.EventEndTime.time())
	if err != nil {
		return nil, err
	}
	info := replayInfo{arn: fmt.Sprintf("arn:aws:events:%s:%s:replay/%s", source.cfg.Region, source.cfg.Account, in.ReplayName),
		archiveArn: in.EventSourceArn, start: in.EventStartTime.time(), end: in.EventEndTime.time(), replayed: n}
	a.mu.Lock()
	a.replays[in.ReplayName] = info
	a.mu.Unlock()
	return map[string]any{"ReplayArn": info.arn, "State": "STARTING", "ReplayStartTime": float64(time.Now().UnixMilli()) / 1000}, nil
}

func (a *API) describeReplay(body []byte) (any, error) {
	var in struct{ ReplayName string }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, &apiFault{"ValidationException", "DescribeReplay needs ReplayName"}
	}
	a.mu.Lock()
	info, ok := a.replays[in.ReplayName]
	a.mu.Unlock()
	if !ok {
		return nil, &apiFault{"ResourceNotFoundException", "Replay " + in.ReplayName + " does not exist."}
	}
	return map[string]any{
		"ReplayName": in.ReplayName, "ReplayArn": info.arn, "EventSourceArn": info.archiveArn, "State": "COMPLETED",
		"StateReason":    fmt.Sprintf("%d events replayed", info.replayed),
		"EventStartTime": float64(info.start.UnixMilli()) / 1000, "EventEndTime": float64(info.end.UnixMilli()) / 1000,
	}, nil
}

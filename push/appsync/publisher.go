package appsync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/asyncjobs/asyncjobs/push"
)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	Endpoint    string        // https://host/event, or the bare host
	Auth        Auth          // required
	HTTPClient  *http.Client  // nil: http.DefaultClient
	MaxAttempts int           // per request, counting the first; 0: 4
	BaseDelay   time.Duration // backoff before the 2nd attempt, doubling after; 0: 100ms
}

// Publisher publishes events over HTTP (POST /event).
type Publisher struct {
	endpoint    *url.URL
	auth        Auth
	client      *http.Client
	maxAttempts int
	baseDelay   time.Duration
	jitter      func(time.Duration) time.Duration // the delay to wait, given the ceiling
}

var _ push.Publisher = (*Publisher)(nil)

// maxDelay caps the backoff between two attempts.
const maxDelay = 20 * time.Second

// NewPublisher returns a Publisher over cfg.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	u, err := endpointURL(cfg.Endpoint, "https", "/event")
	if err != nil {
		return nil, err
	}
	if cfg.Auth == nil {
		return nil, errors.New("appsync: publisher needs an Auth")
	}
	p := &Publisher{
		endpoint: u, auth: cfg.Auth, client: cfg.HTTPClient, maxAttempts: cfg.MaxAttempts, baseDelay: cfg.BaseDelay,
		jitter: func(d time.Duration) time.Duration { return rand.N(d + 1) }, // full jitter
	}
	if p.client == nil {
		p.client = http.DefaultClient
	}
	if p.maxAttempts <= 0 {
		p.maxAttempts = 4
	}
	if p.baseDelay <= 0 {
		p.baseDelay = 100 * time.Millisecond
	}
	return p, nil
}

// Publish sends events to channel, at most push.MaxEventsPerPublish per
// request. It checks every event before sending any, retries a request that
// got 5xx or 429 with exponential backoff and full jitter, and stops at the
// first request that fails as a whole. Events that AppSync refused one by
// one come back as a *PublishError; the others are not sent again.
func (p *Publisher) Publish(ctx context.Context, channel string, events []json.RawMessage) error {
	ch, batches, err := prepare(channel, events)
	if err != nil {
		return err
	}
	refused := &PublishError{Channel: ch}
	for _, b := range batches {
		failed, err := p.send(ctx, publishBody{Channel: ch, Events: b.events})
		refused.add(b.offset, failed)
		if err != nil {
			return errors.Join(refused.err(), fmt.Errorf("appsync: publish to %s: events %d to %d of %d not sent: %w",
				ch, b.offset, len(events)-1, len(events), err))
		}
	}
	return refused.err()
}

// send makes one publish request, with retries.
func (p *Publisher) send(ctx context.Context, body publishBody) ([]FailedEvent, error) {
	data, err := encodeJSON(body)
	if err != nil {
		return nil, err
	}
	delay := p.baseDelay
	for attempt := 1; ; attempt++ {
		failed, retry, err := p.post(ctx, data)
		if err == nil || !retry || attempt == p.maxAttempts {
			return failed, err
		}
		timer := time.NewTimer(p.jitter(delay))
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("%w; last attempt: %w", ctx.Err(), err)
		}
		delay = min(2*delay, maxDelay)
	}
}

// post makes one attempt and tells whether a failure is worth retrying.
func (p *Publisher) post(ctx context.Context, body []byte) (failed []FailedEvent, retry bool, err error) {
	headers, err := p.auth.Headers(ctx, p.endpoint, body)
	if err != nil {
		return nil, false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "application/json")
	for name, value := range headers {
		if name == "host" {
			req.Host = value // exactly what was signed
			continue
		}
		req.Header.Set(name, value)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, false, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode >= 300 {
		retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return nil, retry, errorFromResponse(resp.StatusCode, resp.Header, data)
	}
	var result struct {
		Failed []FailedEvent `json:"failed"`
	}
	if err := json.Unmarshal(data, &result); err != nil {
		return nil, false, fmt.Errorf("unreadable response (HTTP %d): %w", resp.StatusCode, err)
	}
	return result.Failed, false, nil
}

package appsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/asyncjobs/asyncjobs/push"
)

// Subscription receives the events of a channel, or of every channel under
// a wildcard one ("/ns/*").
//
// Events are buffered (ClientConfig.EventBuffer): the reader loop never
// waits for a subscriber. A subscriber that lets the buffer fill up is
// dropped: the server is told to unsubscribe, Events is closed once the
// buffered events are read, and Err returns an error matching
// ErrSlowConsumer. Nothing is replayed; subscribe again and reconcile.
type Subscription struct {
	conn   *Conn
	id     string
	events chan json.RawMessage
	err    error // guarded by conn.mu
}

// Subscribe subscribes to channel and waits for subscribe_success. A
// subscribe_error comes back as an *Error with AppSync's errorType and
// message.
func (c *Conn) Subscribe(ctx context.Context, channel string) (*Subscription, error) {
	ch, err := push.NormalizeChannel(channel, true)
	if err != nil {
		return nil, fmt.Errorf("appsync: subscribe: %w", err)
	}
	signed, err := encodeJSON(struct {
		Channel string `json:"channel"`
	}{ch})
	if err != nil {
		return nil, err
	}
	auth, err := c.auth.RealtimeHeaders(ctx, c.httpURL, signed)
	if err != nil {
		return nil, err
	}
	s := &Subscription{conn: c, id: uuid.NewString(), events: make(chan json.RawMessage, c.eventBuffer)}
	if err := c.register(s); err != nil {
		return nil, fmt.Errorf("appsync: subscribe to %s: %w", ch, err)
	}
	if _, err := c.roundTrip(ctx, message{Type: "subscribe", ID: s.id, Channel: ch, Authorization: auth}); err != nil {
		c.mu.Lock()
		c.drop(s, err)
		c.mu.Unlock()
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			_ = c.send(message{Type: "unsubscribe", ID: s.id}) // the server may subscribe after we gave up
		}
		return nil, fmt.Errorf("appsync: subscribe to %s: %w", ch, err)
	}
	return s, nil
}

// register adds s to the live subscriptions before it is subscribed, since
// data may follow subscribe_success at once.
func (c *Conn) register(s *Subscription) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if len(c.subs) >= push.MaxSubscriptions {
		return fmt.Errorf("already %d subscriptions on this connection, AppSync's limit", len(c.subs))
	}
	c.subs[s.id] = s
	return nil
}

// drop ends s with err unless it has ended already; c.mu must be held.
func (c *Conn) drop(s *Subscription, err error) {
	if c.subs[s.id] != s {
		return
	}
	delete(c.subs, s.id)
	s.err = err
	close(s.events)
}

// Events delivers each event received, as the JSON document that was
// published. It is closed when the subscription or its connection ends.
func (s *Subscription) Events() <-chan json.RawMessage { return s.events }

// Err tells why Events was closed: nil after Close, else the connection's
// error or one matching ErrSlowConsumer. It is nil while Events is open.
func (s *Subscription) Err() error {
	s.conn.mu.Lock()
	defer s.conn.mu.Unlock()
	return s.err
}

// Close ends the subscription and sends unsubscribe without waiting for the
// reply. Events is closed at once; events already buffered can still be read.
func (s *Subscription) Close() error {
	c := s.conn
	c.mu.Lock()
	live := c.subs[s.id] == s
	c.drop(s, nil)
	c.mu.Unlock()
	if !live {
		return nil
	}
	return c.send(message{Type: "unsubscribe", ID: s.id})
}

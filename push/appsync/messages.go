package appsync

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// send writes one message. Writes have their own deadline: a write that
// gives up closes the WebSocket, so it must not follow a caller's ctx.
func (c *Conn) send(m message) error {
	data, err := encodeJSON(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, data); err != nil {
		return fmt.Errorf("appsync: send %s: %w", m.Type, err)
	}
	return nil
}

// roundTrip sends m and waits for the reply with the same id; a reply other
// than *_success comes back as an *Error.
func (c *Conn) roundTrip(ctx context.Context, m message) (message, error) {
	reply := make(chan message, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return message{}, c.err
	}
	c.waiters[m.ID] = reply
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, m.ID)
		c.mu.Unlock()
	}()
	if err := c.send(m); err != nil {
		return message{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.replyTimeout)
	defer cancel()
	select {
	case r := <-reply:
		if !strings.HasSuffix(r.Type, "_success") {
			return r, errorFromEntries(0, r.Errors)
		}
		return r, nil
	case <-c.done:
		return message{}, c.Err()
	case <-ctx.Done():
		return message{}, fmt.Errorf("no reply to %s %s: %w", m.Type, m.ID, ctx.Err())
	}
}

// readLoop reads until the connection ends and dispatches each message.
// Any message counts as a sign of life: after timeout without one, the
// connection is considered dead. At the end every subscription ends too.
func (c *Conn) readLoop(timeout time.Duration) {
	watchdog := time.AfterFunc(timeout, func() { c.fail(ErrKeepAliveTimeout) })
	defer watchdog.Stop()
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.fail(fmt.Errorf("appsync: read: %w", err))
			break
		}
		watchdog.Reset(timeout)
		var m message
		if json.Unmarshal(data, &m) == nil { // a malformed message is skipped
			c.dispatch(m)
		}
	}
	c.mu.Lock()
	for _, s := range c.subs {
		c.drop(s, c.err)
	}
	c.mu.Unlock()
	close(c.done)
}

func (c *Conn) dispatch(m message) {
	switch m.Type {
	case "ka":
	case "data":
		c.deliver(m)
	case "connection_error":
		c.fail(errorFromEntries(0, m.Errors))
	case "broadcast_error":
		// An event could not be delivered to this subscription: push is best
		// effort, and subscribers reconcile with the HTTP API.
	default: // a reply, or an "error" about a message of ours
		c.mu.Lock()
		reply, ok := c.waiters[m.ID]
		delete(c.waiters, m.ID)
		c.mu.Unlock()
		if ok {
			reply <- m // buffered and now unreachable by others: never blocks
		}
	}
}

// deliver hands a data message's events to its subscription without ever
// blocking: a subscription whose buffer is full is dropped.
func (c *Conn) deliver(m message) {
	events := decodeEvents(m.Event)
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.subs[m.ID]
	if s == nil {
		return // unsubscribed meanwhile
	}
	for _, e := range events {
		select {
		case s.events <- e:
		default:
			c.drop(s, fmt.Errorf("%w: %d events unread", ErrSlowConsumer, cap(s.events)))
			go func() { _ = c.send(message{Type: "unsubscribe", ID: s.id}) }() // best effort
			return
		}
	}
}

// decodeEvents reads a data message's event: one JSON document in a string,
// or an array of such strings (as one example in AWS's docs shows). Strings
// that are not JSON are skipped.
func decodeEvents(raw json.RawMessage) []json.RawMessage {
	var many []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		many = []string{one}
	} else if json.Unmarshal(raw, &many) != nil {
		return nil
	}
	events := make([]json.RawMessage, 0, len(many))
	for _, s := range many {
		if json.Valid([]byte(s)) {
			events = append(events, json.RawMessage(s))
		}
	}
	return events
}

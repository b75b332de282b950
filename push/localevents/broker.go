package localevents

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/asyncjobs/asyncjobs/push"
)

// subscription is one subscribe of one connection.
type subscription struct {
	c       *conn
	id      string
	channel string // normalised; may end in "/*"
}

type subscriptionSet map[*subscription]struct{}

// broker indexes subscriptions by channel and fans events out to them. One
// mutex serialises publishes with each other and with (un)subscribes, so
// events reach every subscriber in publish order, subscribe_success comes
// before the subscription's first data message, and no data message follows
// unsubscribe_success. Everything done under the mutex is non-blocking.
type broker struct {
	mu       sync.Mutex
	exact    map[string]subscriptionSet // by channel
	wildcard map[string]subscriptionSet // by the channel before "/*"
	count    int                        // subscriptions in both maps
	events   atomic.Uint64              // events published since the start
}

func newBroker() broker {
	return broker{exact: map[string]subscriptionSet{}, wildcard: map[string]subscriptionSet{}}
}

// index returns the map and key under which a subscription to channel is kept.
func (b *broker) index(channel string) (map[string]subscriptionSet, string) {
	if base, ok := strings.CutSuffix(channel, "/*"); ok {
		return b.wildcard, base
	}
	return b.exact, channel
}

// subscribe adds a subscription of c and queues subscribe_success.
func (b *broker) subscribe(c *conn, id, channel string) *apiError {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, dup := c.subs[id]; dup {
		return &apiError{ErrorType: errDuplicatedOperation, Message: fmt.Sprintf("subscription id %q is already in use on this connection", id)}
	}
	if len(c.subs) >= push.MaxSubscriptions {
		return &apiError{ErrorType: errMaxSubscriptions, Message: fmt.Sprintf("a connection may have at most %d subscriptions", push.MaxSubscriptions)}
	}
	sub := &subscription{c: c, id: id, channel: channel}
	c.subs[id] = sub
	m, key := b.index(channel)
	if m[key] == nil {
		m[key] = subscriptionSet{}
	}
	m[key][sub] = struct{}{}
	b.count++
	c.send(encode(outbound{Type: "subscribe_success", ID: id}))
	return nil
}

// unsubscribe removes a subscription of c and queues unsubscribe_success.
func (b *broker) unsubscribe(c *conn, id string) *apiError {
	b.mu.Lock()
	defer b.mu.Unlock()
	sub, ok := c.subs[id]
	if !ok {
		return &apiError{ErrorType: errUnknownOperation, Message: fmt.Sprintf("no subscription with id %q on this connection", id)}
	}
	b.removeLocked(sub)
	c.send(encode(outbound{Type: "unsubscribe_success", ID: id}))
	return nil
}

// removeConn removes every subscription of c.
func (b *broker) removeConn(c *conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, sub := range c.subs {
		b.removeLocked(sub)
	}
}

func (b *broker) removeLocked(sub *subscription) {
	delete(sub.c.subs, sub.id)
	m, key := b.index(sub.channel)
	delete(m[key], sub)
	b.count--
	if len(m[key]) == 0 {
		delete(m, key)
	}
}

// publish queues one data message per event and matching subscription:
// the subscriptions to channel itself and the wildcard subscriptions to any
// of its ancestors ("/ns/*" matches "/ns/a" and "/ns/a/b" but not "/ns").
// events are JSON strings; channel is normalised and has no wildcard.
func (b *broker) publish(channel string, events [][]byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events.Add(uint64(len(events)))
	for _, ev := range events {
		for sub := range b.exact[channel] {
			sub.c.send(dataMessage(sub.id, ev))
		}
		for i := 1; i < len(channel); i++ {
			if channel[i] == '/' {
				for sub := range b.wildcard[channel[:i]] {
					sub.c.send(dataMessage(sub.id, ev))
				}
			}
		}
	}
}

// subscriptions is how many subscriptions there are.
func (b *broker) subscriptions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.count
}

// subscribed reports whether any subscription matches channel.
func (b *broker) subscribed(channel string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.exact[channel]) > 0 {
		return true
	}
	for i := 1; i < len(channel); i++ {
		if channel[i] == '/' && len(b.wildcard[channel[:i]]) > 0 {
			return true
		}
	}
	return false
}

package appsync

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

const (
	subprotocol           = "aws-appsync-event-ws"
	readLimit             = 4 << 20 // a data message holds up to 240 KB of event, escaped
	writeTimeout          = 10 * time.Second
	defaultReplyTimeout   = 15 * time.Second // as Amplify
	defaultEventBuffer    = 256
	defaultConnectTimeout = 5 * time.Minute // connectionTimeoutMs when the ack has none
)

// ClientConfig configures a realtime connection.
type ClientConfig struct {
	// Endpoint is the HTTP endpoint, https://host/event (or the bare host).
	Endpoint string
	// RealtimeEndpoint is the WebSocket URL (or bare host). Empty: derived from
	// Endpoint as wss://host/event/realtime, with appsync-api replaced by
	// appsync-realtime-api in an AWS host, as Amplify does.
	RealtimeEndpoint string
	Auth             Auth         // required
	HTTPClient       *http.Client // dials the WebSocket (its Transport's TLS config); nil: http.DefaultClient
	// EventBuffer is how many unread events a subscription holds before it is
	// dropped with ErrSlowConsumer; 0: 256.
	EventBuffer int
	// ReplyTimeout bounds the wait for connection_ack and for each reply
	// (subscribe_success, publish_success), besides the caller's ctx; 0: 15s.
	ReplyTimeout time.Duration
}

// Conn is a realtime connection to AppSync Events. Its methods are safe for
// concurrent use. It does not reconnect: once Done is closed, dial again.
type Conn struct {
	ws           *websocket.Conn
	auth         Auth
	httpURL      *url.URL
	replyTimeout time.Duration
	eventBuffer  int
	done         chan struct{} // closed when the reader loop has ended

	mu      sync.Mutex
	err     error // why the connection ended
	subs    map[string]*Subscription
	waiters map[string]chan message // by id, for the reply to a subscribe
}

// message is any message of the protocol; unused fields are left out.
type message struct {
	Type                string            `json:"type"`
	ID                  string            `json:"id,omitempty"`
	Channel             string            `json:"channel,omitempty"`
	Authorization       map[string]string `json:"authorization,omitempty"`
	Event               json.RawMessage   `json:"event,omitempty"`
	Errors              []errorEntry      `json:"errors,omitempty"`
	ConnectionTimeoutMs int64             `json:"connectionTimeoutMs,omitempty"`
	Payload             *struct {
		ConnectionTimeoutMs int64 `json:"connectionTimeoutMs"`
	} `json:"payload,omitempty"`
}

// Dial opens a realtime connection: the WebSocket handshake with the auth in
// the header- subprotocol, then connection_init until connection_ack. A
// refused connection returns an *Error, which matches ErrUnauthorized when
// the credentials were refused.
func Dial(ctx context.Context, cfg ClientConfig) (*Conn, error) {
	httpURL, err := endpointURL(cfg.Endpoint, "https", "/event")
	if err != nil {
		return nil, err
	}
	rtURL, err := realtimeURL(cfg.RealtimeEndpoint, httpURL)
	if err != nil {
		return nil, err
	}
	if cfg.Auth == nil {
		return nil, errors.New("appsync: dial needs an Auth")
	}
	c := &Conn{
		auth: cfg.Auth, httpURL: httpURL, replyTimeout: cfg.ReplyTimeout, eventBuffer: cfg.EventBuffer,
		done: make(chan struct{}), subs: make(map[string]*Subscription), waiters: make(map[string]chan message),
	}
	if c.replyTimeout <= 0 {
		c.replyTimeout = defaultReplyTimeout
	}
	if c.eventBuffer <= 0 {
		c.eventBuffer = defaultEventBuffer
	}
	auth, err := c.auth.RealtimeHeaders(ctx, httpURL, []byte("{}"))
	if err != nil {
		return nil, err
	}
	authJSON, err := json.Marshal(auth)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.replyTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, rtURL, &websocket.DialOptions{
		HTTPClient:   cfg.HTTPClient,
		Subprotocols: []string{subprotocol, "header-" + base64.RawURLEncoding.EncodeToString(authJSON)},
	})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			body, _ := io.ReadAll(resp.Body)
			err = errors.Join(errorFromResponse(resp.StatusCode, resp.Header, body), err)
		}
		return nil, fmt.Errorf("appsync: dial %s: %w", rtURL, err)
	}
	if ws.Subprotocol() != subprotocol {
		ws.CloseNow()
		return nil, fmt.Errorf("appsync: dial %s: the server did not select subprotocol %s", rtURL, subprotocol)
	}
	ws.SetReadLimit(readLimit)
	c.ws = ws
	timeout, err := c.handshake(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, fmt.Errorf("appsync: connect to %s: %w", rtURL, err)
	}
	go c.readLoop(timeout)
	return c, nil
}

// realtimeURL is the WebSocket URL: explicit, or derived from the HTTP one.
func realtimeURL(explicit string, httpURL *url.URL) (string, error) {
	if explicit != "" {
		u, err := endpointURL(explicit, "wss", "/event/realtime")
		if err != nil {
			return "", err
		}
		return u.String(), nil
	}
	u := *httpURL
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	if u.Scheme == "" {
		return "", fmt.Errorf("appsync: endpoint %s is not http(s)", httpURL)
	}
	if strings.HasSuffix(u.Hostname(), ".amazonaws.com") {
		u.Host = strings.Replace(u.Host, ".appsync-api.", ".appsync-realtime-api.", 1)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/realtime"
	return u.String(), nil
}

// handshake sends connection_init and waits for connection_ack; it returns
// the connection timeout that the ack announced.
func (c *Conn) handshake(ctx context.Context) (time.Duration, error) {
	if err := c.send(message{Type: "connection_init"}); err != nil {
		return 0, err
	}
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return 0, err
		}
		var m message
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.Type {
		case "connection_ack":
			ms := m.ConnectionTimeoutMs
			if ms <= 0 && m.Payload != nil {
				ms = m.Payload.ConnectionTimeoutMs
			}
			if ms <= 0 {
				return defaultConnectTimeout, nil
			}
			return time.Duration(ms) * time.Millisecond, nil
		case "connection_error", "error":
			return 0, errorFromEntries(0, m.Errors)
		}
	}
}

// Done is closed when the connection has ended; Err then tells why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended: ErrClosed after Close, ErrKeepAliveTimeout,
// an *Error from a connection_error, or a read error. It is nil while the
// connection is up.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection, which ends every subscription, and waits for
// the reader loop to finish.
func (c *Conn) Close() error {
	c.fail(ErrClosed)
	<-c.done
	return nil
}

// fail ends the connection for err, unless it has already ended.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	first := c.err == nil
	if first {
		c.err = err
	}
	c.mu.Unlock()
	if !first {
		return
	}
	if errors.Is(err, ErrClosed) {
		c.ws.Close(websocket.StatusNormalClosure, "")
		return
	}
	c.ws.CloseNow()
}

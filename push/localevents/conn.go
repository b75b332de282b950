package localevents

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// conn is one authorised WebSocket connection. One goroutine (run's) reads
// and handles client messages. Outbound messages wait in a queue that
// exists only while it holds some, and a writer goroutine runs only while
// there is something to write; the keep-alive is a timer. So an idle
// connection holds one goroutine and no queue, and over TLS that
// goroutine waits for the client in its parker, on a 4 KiB stack.
type conn struct {
	s      *Server
	ws     *websocket.Conn
	parker *parker // nil: the reader waits inside the library
	remote string
	ctx    context.Context // cancelled when the connection ends
	cancel context.CancelCauseFunc

	mode      AuthMode                 // how the connection was authorised
	ackQueued bool                     // reader goroutine only
	subs      map[string]*subscription // by id; guarded by s.broker.mu

	mu      sync.Mutex
	queue   [][]byte    // outbound messages not yet taken by the writer; nil when none
	started bool        // run has begun: writers may start
	ended   bool        // run is ending: nothing more is queued or written
	writing bool        // a writer goroutine is running
	ka      *time.Timer // the next keep-alive, once connection_ack is queued
	writers sync.WaitGroup
}

func newConn(s *Server, ws *websocket.Conn, p *parker, remote string, mode AuthMode) *conn {
	ctx, cancel := context.WithCancelCause(context.Background())
	if p != nil {
		// A reader in its parker is not in ws.Read, which would close the
		// connection when ctx ends: close it here.
		context.AfterFunc(ctx, func() { _ = ws.CloseNow() })
	}
	return &conn{
		s: s, ws: ws, parker: p, remote: remote, mode: mode, ctx: ctx, cancel: cancel,
		subs: map[string]*subscription{},
	}
}

// run serves the connection until it ends, then drops its subscriptions.
func (c *conn) run() {
	c.mu.Lock()
	c.started = true
	c.startWriterLocked()
	c.mu.Unlock()
	c.readLoop()
	c.cancel(nil)
	c.mu.Lock()
	c.ended, c.queue = true, nil
	if c.ka != nil {
		c.ka.Stop()
	}
	c.mu.Unlock()
	c.writers.Wait()
	c.s.broker.removeConn(c)
	_ = c.ws.CloseNow()
}

func (c *conn) readLoop() {
	for {
		if c.parker != nil {
			c.parker.wait()
		}
		_, data, err := c.ws.Read(c.ctx)
		if err != nil {
			c.s.log.Debug("localevents: read ended", "remote", c.remote, "err", err, "cause", context.Cause(c.ctx))
			return
		}
		c.handle(data)
	}
}

var errSlowConsumer = errors.New("slow consumer: outbound queue full")

// send queues msg without blocking. If SendQueue messages are already
// waiting the client is a slow consumer: the connection is dropped.
func (c *conn) send(msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended || c.ctx.Err() != nil {
		return // ending: its writer has stopped taking from the queue
	}
	if len(c.queue) >= c.s.cfg.SendQueue {
		c.s.log.Warn("localevents: dropping slow consumer", "remote", c.remote, "queue", c.s.cfg.SendQueue)
		c.s.slowConsumers.Add(1)
		c.cancel(errSlowConsumer)
		return
	}
	c.queue = append(c.queue, msg)
	c.startWriterLocked()
}

// startWriterLocked starts a writer if there is something to write and
// none is running.
func (c *conn) startWriterLocked() {
	if !c.started || c.ended || c.writing || len(c.queue) == 0 {
		return
	}
	c.writing = true
	c.writers.Add(1)
	go c.writeQueued()
}

// writeQueued writes the queue in order until it is empty, then ends.
func (c *conn) writeQueued() {
	defer c.writers.Done()
	for {
		msg, ok := c.next()
		if !ok {
			return
		}
		if err := c.write(msg); err != nil {
			c.cancel(err)
			c.mu.Lock()
			c.writing, c.queue = false, nil
			c.mu.Unlock()
			return
		}
	}
}

// next takes the first queued message; when there is none it marks the
// writer stopped and reports false.
func (c *conn) next() ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 || c.ended || c.ctx.Err() != nil {
		c.writing, c.queue = false, nil
		return nil, false
	}
	msg := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	return msg, true
}

func (c *conn) write(msg []byte) error {
	ctx, cancel := context.WithTimeout(c.ctx, writeTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, msg)
}

// startKeepAlive queues a ka every KeepAlive from now on.
func (c *conn) startKeepAlive() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started && !c.ended && c.ka == nil {
		c.ka = time.AfterFunc(c.s.cfg.KeepAlive, c.keepAlive)
	}
}

func (c *conn) keepAlive() {
	c.mu.Lock()
	ended := c.ended
	if !ended {
		c.ka.Reset(c.s.cfg.KeepAlive)
	}
	c.mu.Unlock()
	if !ended {
		c.send(kaMessage)
	}
}

// closeGoingAway closes the connection with status 1001; run then returns.
func (c *conn) closeGoingAway() {
	if c.parker != nil {
		c.parker.beginClose()
	}
	_ = c.ws.Close(websocket.StatusGoingAway, "server closing")
}

package localevents

import (
	"bytes"
	"encoding/json"
	"slices"
)

// handle answers one client message.
//
// connection_init is optional (the Swift client never sends it), so the
// connection_ack, followed by the first ka, is queued once, before the
// reply to the client's first message, whatever that is; normally it is
// connection_init. It is not sent on upgrade: Amplify only starts listening
// for the ack after sending connection_init and may lose an earlier message.
// A later connection_init gets no second ack.
func (c *conn) handle(data []byte) {
	if !c.ackQueued {
		c.ackQueued = true
		c.send(c.s.ack)
		c.send(kaMessage)
		c.startKeepAlive()
	}
	var m inbound
	if err := json.Unmarshal(data, &m); err != nil {
		c.send(errorMessage("error", "", badRequest("the message is not a valid JSON object: %s", err)))
		return
	}
	switch m.Type {
	case "connection_init":
	case "subscribe":
		c.subscribe(m)
	case "unsubscribe":
		if e := c.s.broker.unsubscribe(c, m.ID); e != nil {
			c.send(errorMessage("unsubscribe_error", m.ID, e))
		}
	case "publish":
		c.publish(m)
	default:
		c.send(errorMessage("error", m.ID, &apiError{
			ErrorType: errUnsupported,
			Message:   "Operation not supported through the realtime channel",
		}))
	}
}

func (c *conn) subscribe(m inbound) {
	mode, e := c.checkOperation(m, func() []byte {
		return slices.Concat([]byte(`{"channel":`), quote(m.Channel), []byte(`}`))
	})
	if e == nil {
		var ch string
		if ch, e = c.s.subscribeChannel(m.Channel, mode); e == nil {
			e = c.s.broker.subscribe(c, m.ID, ch)
		}
	}
	if e != nil {
		c.send(errorMessage("subscribe_error", m.ID, e))
	}
}

func (c *conn) publish(m inbound) {
	mode, e := c.checkOperation(m, func() []byte {
		var events bytes.Buffer
		if json.Compact(&events, m.Events) != nil {
			return nil // no signature covers it
		}
		return slices.Concat([]byte(`{"channel":`), quote(m.Channel), []byte(`,"events":`), events.Bytes(), []byte(`}`))
	})
	if e == nil {
		var res *publishResult
		if res, e = c.s.publishWire(m.Channel, mode, m.Events); e == nil {
			c.send(encode(outbound{Type: "publish_success", ID: m.ID, publishResult: res}))
			return
		}
	}
	c.send(errorMessage("publish_error", m.ID, e))
}

// checkOperation checks the id and the authorization of a subscribe or
// publish message, and returns its auth mode. A message without
// credentials (no authorization, or one with neither x-api-key nor
// Authorization) acts with the connection's. An IAM signature covers the
// body that signedBody returns, re-serialised from the message as
// JavaScript's JSON.stringify would (Amplify signs that).
func (c *conn) checkOperation(m inbound, signedBody func() []byte) (AuthMode, *apiError) {
	if !operationID.MatchString(m.ID) {
		return "", badRequest("id %q must match %s", m.ID, operationID)
	}
	if len(m.Authorization) == 0 || string(m.Authorization) == "null" {
		return c.mode, nil
	}
	mode, e := c.s.authenticateObject(c.ctx, m.Authorization, signedBody, c.remote)
	if e != nil {
		return "", e
	}
	if mode == "" {
		return c.mode, nil
	}
	return mode, nil
}

package localevents

import "encoding/json"

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
		close(c.acked)
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
	e := c.checkOperation(m)
	if e == nil {
		var ch string
		if ch, e = c.s.subscribeChannel(m.Channel); e == nil {
			e = c.s.broker.subscribe(c, m.ID, ch)
		}
	}
	if e != nil {
		c.send(errorMessage("subscribe_error", m.ID, e))
	}
}

func (c *conn) publish(m inbound) {
	e := c.checkOperation(m)
	if e == nil {
		var res *publishResult
		if res, e = c.s.publishWire(m.Channel, m.Events); e == nil {
			c.send(encode(outbound{Type: "publish_success", ID: m.ID, publishResult: res}))
			return
		}
	}
	c.send(errorMessage("publish_error", m.ID, e))
}

// checkOperation checks the id and the optional authorization of a
// subscribe or publish message.
func (c *conn) checkOperation(m inbound) *apiError {
	if !operationID.MatchString(m.ID) {
		return badRequest("id %q must match %s", m.ID, operationID)
	}
	if !c.s.validAuthorization(m.Authorization) {
		return unauthorized()
	}
	return nil
}

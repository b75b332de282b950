// Command echo is a Lambda function for the emulator's tests: it answers
// {"env": <the variable named by the event's "env">, "payload": <the event>},
// fails with the event's "fail" message, after sleeping "sleepMs" (deadline or not)
// and holding a connection to "hold", to which it writes its process id,
// until it closes.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Env     string `json:"env"`
	Fail    string `json:"fail"`
	SleepMs int    `json:"sleepMs"`
	Hold    string `json:"hold"` // an address to connect to and read from until it closes
}

type result struct {
	Env     string          `json:"env"`
	Payload json.RawMessage `json:"payload"`
	PID     int             `json:"pid"` // the runtime's process
}

func handle(payload json.RawMessage) (result, error) {
	var e event
	if err := json.Unmarshal(payload, &e); err != nil {
		return result{}, err
	}
	time.Sleep(time.Duration(e.SleepMs) * time.Millisecond) // past the deadline too
	if e.Hold != "" {
		conn, err := net.Dial("tcp", e.Hold)
		if err != nil {
			return result{}, err
		}
		fmt.Fprintf(conn, "%d\n", os.Getpid())
		_, _ = io.Copy(io.Discard, conn)
		conn.Close()
	}
	if e.Fail != "" {
		return result{}, errors.New(e.Fail)
	}
	return result{Env: os.Getenv(e.Env), Payload: payload, PID: os.Getpid()}, nil
}

func main() { lambda.Start(handle) }

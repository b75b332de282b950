package local_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestEventsEndpointRefusesForeignHostsOriginsAndExcessConnections checks
// jobsd's events endpoint as a browser page elsewhere would reach it: by a
// DNS name rebound to 127.0.0.1 (421), by a cross-site WebSocket (403); and
// that it holds at most EventsMaxConnections WebSocket connections (503).
func TestEventsEndpointRefusesForeignHostsOriginsAndExcessConnections(t *testing.T) {
	t.Parallel()
	cfg := config(t.TempDir())
	cfg.EventsMaxConnections = 1
	sys, _ := start(t, cfg)
	client := trustingClient(t, sys.CAFile())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+sys.EventsAddr()+"/event", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "rebind.evil.example"
	req.Header.Set("x-api-key", cfg.EventsAPIKey)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("POST /event with a foreign Host: %d, want 421", resp.StatusCode)
	}

	_, resp, err = websocket.Dial(ctx, "wss://"+sys.EventsAddr()+"/event/realtime", &websocket.DialOptions{
		HTTPClient: client, Subprotocols: []string{"aws-appsync-event-ws"},
		HTTPHeader: http.Header{"Origin": {"https://evil.example"}, "X-Api-Key": {cfg.EventsAPIKey}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("WebSocket upgrade from a foreign origin: %v, want 403", err)
	}

	dialEvents(ctx, t, sys, cfg.EventsAPIKey) // the one connection allowed
	_, resp, err = websocket.Dial(ctx, "wss://"+sys.EventsAddr()+"/event/realtime", &websocket.DialOptions{
		HTTPClient: client, Subprotocols: []string{"aws-appsync-event-ws"}, HTTPHeader: http.Header{"X-Api-Key": {cfg.EventsAPIKey}},
	})
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a second WebSocket connection: %v, want 503", err)
	}
}

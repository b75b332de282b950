// Package appsync is the Go client of AWS AppSync Events: a Publisher over
// HTTP (POST /event) for the Lambdas, a realtime Conn over WebSocket
// (subscribe, receive) for the CLI, and a JobWatcher that lets the
// API wait for a job's change. It speaks the wire protocol of the real
// service, so it works as well against jobsd's local endpoint.
//
// Auth is an API key (APIKey) or SigV4 (IAM). Events are JSON documents;
// each is sent as a string holding its JSON, at most five per request, and
// one over push.MaxEventBytes is refused before anything is sent.
//
// A custom CA (for a local HTTPS endpoint) goes into the http.Client given
// as HTTPClient: its Transport's TLSClientConfig serves both the HTTP
// publish and the WebSocket dial.
//
// Push is best effort: AppSync guarantees neither order nor delivery, and
// nothing is replayed after a reconnection. A Conn does not reconnect; its
// owner dials again when Done is closed, and readers reconcile with the API.
package appsync

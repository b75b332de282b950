// Package localevents is a local stand-in for an AWS AppSync Events API: it
// serves the HTTP publish endpoint (POST /event, with CORS) and the realtime
// WebSocket endpoint (GET /event/realtime) on one handler, speaking the
// AppSync Events wire protocol closely enough that the unmodified
// aws-amplify `events` client (and the Swift and Kotlin clients) can
// publish and subscribe. jobsd publishes in process through Server.Publish.
//
// Amplify derives wss://host:port/event/realtime from the configured
// endpoint https://host:port/event, so both must be served over TLS on one
// port, with a certificate the client trusts: EnsureTLS creates a local CA,
// name-constrained to localhost, 127.0.0.0/8 and ::1, and a short-lived
// certificate for localhost signed by it; ServerTLS serves and renews it.
//
// Only API-key authorisation is supported. Delivery is best effort, as in
// AppSync: a subscriber whose outbound queue is full is disconnected rather
// than waited for, so publishing never blocks on a client.
package localevents

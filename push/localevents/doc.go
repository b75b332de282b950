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
// Two of AppSync's auth modes are supported: API_KEY (Config.APIKeys) and
// AWS_IAM, SigV4 for service "appsync" checked by an auth/sigv4 Verifier
// (Config.IAM) over POST /event's body or, on the realtime protocol, over
// the documented signed POST https://<host>/event of {} (connect),
// {"channel":…} (subscribe) or {"channel":…,"events":[…]} (publish). As in
// AppSync, the modes that may connect, and publish and subscribe in each
// namespace, are configured (Config.ConnectionAuthModes, the defaults, and
// Config.NamespaceAuthModes); IAM policies are not evaluated.
//
// A job namespace (Config.JobNamespaces, "jobs" by default) holds one
// channel per job, /jobs/<id>, and the id is the capability: only the job's
// owner learns it. So in a job namespace a subscription must name one job's
// channel (wildcards are refused with UnauthorizedException), and by default
// only AWS_IAM publishes, besides the in-process publisher: API-key
// publishes over HTTP and WebSocket are refused as unauthorised, as AppSync
// refuses them where only IAM may publish. Open namespaces
// (Config.OpenNamespaces) keep AppSync's own rules.
//
// The endpoint answers only requests whose Host header is an IP address, a
// loopback name or its configured address (421 otherwise, against DNS
// rebinding); WebSocket upgrades from a web page of another origin are
// refused with 403, and CORS is granted only to loopback origins. Open
// WebSocket connections are capped (503 beyond), and HTTPServer bounds the
// time to read a request and the idle time of a keep-alive connection.
//
// An idle connection holds one goroutine, its reader, and over TLS the
// reader waits for the client in a parker (park.go): on the socket, a few
// frames deep, after moving into the WebSocket library's buffer whatever
// crypto/tls already holds, so that GC can shrink its stack to 4 KiB; it
// then reads the message through the library.
//
// Delivery is best effort, as in AppSync: a subscriber whose outbound queue
// is full is disconnected rather than waited for, so publishing never
// blocks on a client.
package localevents

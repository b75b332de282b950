// Package localaddr names where jobsd listens when nothing else is set. It
// imports nothing, so jobsctl's defaults point at jobsd without linking the
// server.
package localaddr

// jobsd's default addresses, documented in the README.
const (
	API    = "127.0.0.1:8080" // the HTTP API
	Events = "127.0.0.1:8443" // the AppSync-Events-compatible endpoint
)

// Package loopback tells whether a host name, a listen address or a web
// origin stays on this machine. jobsd's endpoints use it to refuse public
// binds with development credentials, foreign Host headers (DNS rebinding)
// and cross-site WebSocket upgrades and CORS requests.
package loopback

import (
	"net"
	"net/url"
	"strings"
)

// Host reports whether host (a name or an IP address, without a port; IPv6
// with or without brackets) names this machine's loopback interface:
// "localhost", a name under ".localhost" (which browsers resolve to
// loopback themselves, RFC 6761), 127.0.0.0/8 or ::1.
func Host(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Addr reports whether a listen address ("host:port") binds only loopback.
// An empty host, 0.0.0.0 and :: bind every interface, so they are not.
func Addr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && Host(host)
}

// HostHeader reports whether a request's Host header (host, host:port,
// [v6]:port) is one a local server may answer without fear of DNS
// rebinding: an IP address (a rebinding page always sends a DNS name), a
// loopback name, or the host of the server's configured listen address.
func HostHeader(hostHeader, listenAddr string) bool {
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "" {
		return false
	}
	if net.ParseIP(host) != nil || Host(host) {
		return true
	}
	configured, _, err := net.SplitHostPort(listenAddr)
	return err == nil && configured != "" && strings.EqualFold(strings.TrimSuffix(host, "."), strings.TrimSuffix(configured, "."))
}

// Origin reports whether an Origin header names a page served from this
// machine over http or https.
func Origin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" || u.User != nil {
		return false
	}
	return Host(u.Hostname())
}

package loopback

import "testing"

func TestHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "localhost.": true, "app.localhost": true,
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true,
		"": false, "example.com": false, "localhost.example.com": false, "evil-localhost": false,
		"0.0.0.0": false, "::": false, "10.0.0.1": false, "192.168.1.10": false, "128.0.0.1": false,
		"::ffff:10.0.0.1": false,
	} {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestAddr(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8443": true, "127.0.0.1:0": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:8080": false, "192.168.1.5:8080": false,
		"127.0.0.1": false, "": false,
	} {
		if got := Addr(addr); got != want {
			t.Errorf("Addr(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestOrigin(t *testing.T) {
	t.Parallel()
	for origin, want := range map[string]bool{
		"http://localhost:3000": true, "https://127.0.0.1:8443": true, "http://[::1]:5173": true,
		"http://localhost": true, "https://app.localhost:8080": true,
		"": false, "null": false, "https://evil.example": false, "http://localhost.evil.example": false,
		"file://": false, "chrome-extension://abc": false, "http://192.168.1.5:3000": false,
		"http://user@localhost:3000": false, "http://localhost:3000/path": false,
	} {
		if got := Origin(origin); got != want {
			t.Errorf("Origin(%q) = %v, want %v", origin, got, want)
		}
	}
}

func TestHostHeader(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		host, listen string
		want         bool
	}{
		{"127.0.0.1:8080", "127.0.0.1:8080", true},
		{"localhost:8080", "127.0.0.1:8080", true},
		{"[::1]:8080", "127.0.0.1:8080", true},
		{"192.168.1.5:8080", "0.0.0.0:8080", true}, // an IP literal cannot be a rebinding name
		{"jobs.internal:8080", "jobs.internal:8080", true},
		{"JOBS.internal", "jobs.internal:8080", true},
		{"evil.example:8080", "127.0.0.1:8080", false},
		{"evil.example", "0.0.0.0:8080", false},
		{"rebind.evil.example:8080", ":8080", false},
		{"", "127.0.0.1:8080", false},
	} {
		if got := HostHeader(c.host, c.listen); got != c.want {
			t.Errorf("HostHeader(%q, %q) = %v, want %v", c.host, c.listen, got, c.want)
		}
	}
}

package sigv4

import (
	"strings"
	"testing"
	"time"
)

func TestNewVerifierRefusesBadConfig(t *testing.T) {
	t.Parallel()
	ok := Config{Region: "us-east-1", Credentials: []Credential{dev}}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no region", func(c *Config) { c.Region = "" }, "no region"},
		{"negative skew", func(c *Config) { c.MaxSkew = -time.Second }, "negative max skew"},
		{"no credentials", func(c *Config) { c.Credentials = nil }, "no credentials"},
		{"no access key id", func(c *Config) { c.Credentials = []Credential{{SecretAccessKey: "s", Principal: "p"}} }, "credential 0: no access key id"},
		{"duplicate access key id", func(c *Config) { c.Credentials = []Credential{dev, temp, dev} }, "credential 2: access key id " + DevAccessKeyID + " given twice"},
		{"no secret", func(c *Config) { c.Credentials = []Credential{{AccessKeyID: "AKID", Principal: "p"}} }, "credential AKID: no secret access key"},
		{"no principal", func(c *Config) { c.Credentials = []Credential{{AccessKeyID: "AKID", SecretAccessKey: "s"}} }, "credential AKID: no principal"},
	} {
		cfg := ok
		tc.edit(&cfg)
		v, err := NewVerifier(cfg)
		if err == nil || v != nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), DevSecretAccessKey) {
			t.Errorf("%s: NewVerifier = %v, %v; want an error saying %q", tc.name, v, err, tc.want)
		}
	}
	v, err := NewVerifier(ok)
	if err != nil {
		t.Fatalf("NewVerifier(%+v): %v", ok, err)
	}
	// The defaults: execute-api, and the clock.
	if got, err := v.Verify(request{at: time.Now()}.build(t), nil); err != nil || got != DevPrincipal {
		t.Fatalf("Verify = %q, %v", got, err)
	}
}

func TestConfigServiceAndSkew(t *testing.T) {
	t.Parallel()
	v, err := NewVerifier(Config{Region: "eu-west-1", Service: "lambda", Credentials: []Credential{dev},
		Now: func() time.Time { return now }, MaxSkew: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Verify(request{region: "eu-west-1", service: "lambda", at: now.Add(-90 * time.Second)}.build(t), nil); err != nil || got != DevPrincipal {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	_, err = v.Verify(request{region: "eu-west-1", service: "lambda", at: now.Add(-2 * time.Minute)}.build(t), nil)
	assertRefusal(t, err, "Signature expired: 20261122T011300Z is now earlier than 20261122T011330Z (20261122T011500Z - 1.5 min.)")
	_, err = v.Verify(request{region: "eu-west-1"}.build(t), nil)
	assertRefusal(t, err, "Credential should be scoped to correct service: 'lambda'.")
	_, err = v.Verify(request{service: "lambda"}.build(t), nil)
	assertRefusal(t, err, msgRegion)
}

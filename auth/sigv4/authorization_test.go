package sigv4

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const sdkHeader = "AWS4-HMAC-SHA256 Credential=AKIALOCALDEVELOPMENT/20261122/us-east-1/execute-api/aws4_request, " +
	"SignedHeaders=content-type;host;x-amz-date, Signature=653b9a3c2b0c9311e2251381c1a36973fa776ee359320239b3b6695ce7060fca"

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	want := authorization{
		credential: "AKIALOCALDEVELOPMENT/20261122/us-east-1/execute-api/aws4_request", accessKeyID: "AKIALOCALDEVELOPMENT",
		date: "20261122", region: "us-east-1", service: "execute-api", terminator: "aws4_request",
		signedHeaders: []string{"content-type", "host", "x-amz-date"},
		signature:     "653b9a3c2b0c9311e2251381c1a36973fa776ee359320239b3b6695ce7060fca",
	}
	for _, header := range []string{
		sdkHeader,
		strings.ReplaceAll(sdkHeader, ", ", ","),
		"  " + strings.ReplaceAll(sdkHeader, ", ", " ,, ") + " , ",
		strings.Replace(sdkHeader, "Signature=", "Signature=0, Signature=", 1), // the last one wins
		strings.Replace(sdkHeader, ", Signature=", ", Other=x, Signature=", 1),
	} {
		got, err := parseAuthorization(header, true)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("parseAuthorization(%q) = %+v, %v", header, got, err)
		}
	}
}

func TestParseAuthorizationRefusals(t *testing.T) {
	t.Parallel()
	hashed := func(h string) string {
		return " (Hashed with SHA-256 and encoded with Base64) Authorization=" + headerHash(h)
	}
	requires := func(keys ...string) string {
		var m []string
		for _, k := range keys {
			m = append(m, "Authorization header requires '"+k+"' parameter.")
		}
		return strings.Join(m, " ")
	}
	for _, tc := range []struct {
		header string
		dated  bool
		want   string
	}{
		{"Bearer abc.def", true, "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" + headerHash("Bearer abc.def") + "'."},
		{"x-api-key=abc", true, msgAlgorithmEquals},
		{"eyJhbGciOiJIUzI1NiJ9", true, requires("Credential", "Signature", "SignedHeaders") + hashed("eyJhbGciOiJIUzI1NiJ9")},
		{"eyJhbGciOiJIUzI1NiJ9", false, requires("Credential", "Signature", "SignedHeaders") + " " + msgNoDate + hashed("eyJhbGciOiJIUzI1NiJ9")},
		{"AWS4-HMAC-SHA256 Credential=a/b/c/d/e", true, requires("Signature", "SignedHeaders") + hashed("AWS4-HMAC-SHA256 Credential=a/b/c/d/e")},
		{sdkHeader, false, msgNoDate + hashed(sdkHeader)},
		{strings.Replace(sdkHeader, "SHA256", "SHA1", 1), true, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now)."},
		{strings.Replace(sdkHeader, "/us-east-1", "", 1), true, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIALOCALDEVELOPMENT/20261122/execute-api/aws4_request'"},
		{strings.Replace(sdkHeader, "aws4_request", "aws4_request/", 1), true, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIALOCALDEVELOPMENT/20261122/us-east-1/execute-api/aws4_request/'"},
	} {
		_, err := parseAuthorization(tc.header, tc.dated)
		assertRefusal(t, err, tc.want)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, seed := range []string{
		sdkHeader, "", "AWS4-HMAC-SHA256", "Bearer x", "a=b", "AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=host,Signature=0,Credential=x",
	} {
		f.Add(seed, true)
	}
	f.Add(sdkHeader, false)
	f.Fuzz(func(t *testing.T, header string, dated bool) {
		a, err := parseAuthorization(header, dated)
		if err != nil {
			var refusal *Error
			if !errors.As(err, &refusal) || refusal.Message == "" {
				t.Fatalf("error %v (%T) is not a refusal", err, err)
			}
			return
		}
		if !dated || !strings.HasPrefix(strings.TrimSpace(header), algorithm+" ") {
			t.Fatalf("accepted %q (dated %v)", header, dated)
		}
		parts := []string{a.accessKeyID, a.date, a.region, a.service, a.terminator}
		if a.credential != strings.Join(parts, "/") || len(a.signedHeaders) == 0 {
			t.Fatalf("inconsistent %+v", a)
		}
		again, err := parseAuthorization(fmt.Sprintf("%s Credential=%s, SignedHeaders=%s, Signature=%s",
			algorithm, a.credential, strings.Join(a.signedHeaders, ";"), a.signature), true)
		if err != nil || again.credential != a.credential || again.signature != a.signature || !slices.Equal(again.signedHeaders, a.signedHeaders) {
			t.Fatalf("%+v does not survive a round trip: %+v, %v", a, again, err)
		}
	})
}

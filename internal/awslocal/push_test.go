package awslocal

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/asyncjobs/asyncjobs/push/appsync"
)

func TestSuccessIsPushedToASubscriber(t *testing.T) {
	s, _ := setup(t)
	pem, err := os.ReadFile(s.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	conn, err := appsync.Dial(t.Context(), appsync.ClientConfig{Endpoint: s.Template.Events.HTTPEndpoint, Auth: appsync.APIKey(s.EventsAPIKey()), HTTPClient: client})
	if err != nil {
		t.Fatal(err)
	}
	url := submit(t, s, `{"seconds":2}`)
	id := url[strings.LastIndex(url, "/")+1:]
	sub, err := conn.Subscribe(t.Context(), "/jobs/"+id)
	if err != nil {
		t.Fatal(err)
	}
	timeout := time.After(30 * time.Second)
	for {
		select {
		case raw := <-sub.Events():
			var job map[string]any
			json.Unmarshal(raw, &job)
			t.Logf("event: %v %v", job["status"], job["seq"])
			if job["status"] == "Success" {
				return
			}
		case <-timeout:
			t.Fatal("no Success event within 30 s")
		}
	}
}

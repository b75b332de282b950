package eventbus

import (
	"encoding/json"
	"testing"
)

func TestMatches(t *testing.T) {
	t.Parallel()
	event := `{"source":"lambda","detail-type":"Lambda Function Invocation Result - Failure","detail":{"requestContext":{"condition":"RetriesExhausted"}},"resources":["a","b"]}`
	cases := []struct {
		pattern string
		want    bool
	}{
		{`null`, true},
		{`{"source":["lambda"]}`, true},
		{`{"source":["aws.s3","lambda"],"detail-type":["Lambda Function Invocation Result - Failure"]}`, true},
		{`{"source":["aws.s3"]}`, false},
		{`{"detail":{"requestContext":{"condition":["RetriesExhausted"]}}}`, true},
		{`{"detail":{"requestContext":{"condition":["EventAgeExceeded"]}}}`, false},
		{`{"replay-name":[{"exists":true}]}`, false},
		{`{"replay-name":[{"exists":false}]}`, true},
		{`{"source":[{"prefix":"lam"}]}`, true},
		{`{"resources":["b"]}`, true},
		{`{"missing":["x"]}`, false},
	}
	for _, c := range cases {
		got, err := matches(json.RawMessage(c.pattern), json.RawMessage(event))
		if err != nil || got != c.want {
			t.Errorf("pattern %s: %v, %v; want %v", c.pattern, got, err, c.want)
		}
	}
	if _, err := matches(json.RawMessage(`{"source":[{"numeric":[">",1]}]}`), json.RawMessage(event)); err == nil {
		t.Error("an unsupported pattern rule matched without an error")
	}
}

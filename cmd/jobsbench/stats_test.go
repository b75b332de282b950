package main

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSummarizeTakesNearestRankPercentiles(t *testing.T) {
	t.Parallel()
	samples := make([]float64, 100)
	for i := range samples {
		samples[i] = float64(100 - i) // 100, 99, …, 1: summarize sorts them
	}
	got := summarize(samples)
	want := summary{N: 100, P50: 50, P95: 95, P99: 99, Max: 100}
	if got != want {
		t.Errorf("summarize(1…100) = %+v, want %+v", got, want)
	}
	if got := summarize([]float64{7}); got.P50 != 7 || got.P99 != 7 {
		t.Errorf("one sample: %+v, want every percentile 7", got)
	}
	if got := summarize(nil); got != (summary{}) {
		t.Errorf("no samples: %+v, want the zero summary", got)
	}
}

func TestPercentileRoundsTheRankUp(t *testing.T) {
	t.Parallel()
	sorted := []float64{1, 2, 3}
	tests := []struct{ p, want float64 }{{1, 1}, {33, 1}, {34, 2}, {50, 2}, {67, 3}, {99, 3}, {100, 3}}
	for _, tt := range tests {
		if got := percentile(sorted, tt.p); got != tt.want {
			t.Errorf("p%v of %v = %v, want %v", tt.p, sorted, got, tt.want)
		}
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		f      figure
		target string
		met    bool
	}{
		{"half of baseline met", figure{Value: 30, Unit: "req/s"}.vs(60).atLeastOfBaseline(0.5), "≥ 50% of baseline", true},
		{"80% of baseline missed", figure{Value: 47, Unit: "req/s"}.vs(60).atLeastOfBaseline(0.8), "≥ 80% of baseline", false},
		{"no baseline never meets", figure{Value: 47, Unit: "req/s"}.vs(0).atLeastOfBaseline(0.5), "≥ 50% of baseline", false},
		{"maximum met", figure{Value: 19.9, Unit: "KiB"}.atMost(20), "≤ 20 KiB", true},
		{"maximum missed", figure{Value: 5.01, Unit: "ms"}.atMost(5), "≤ 5 ms", false},
		{"no samples never meet a maximum", figure{Value: 0, Unit: "ms"}.atMost(5), "≤ 5 ms", false},
	}
	for _, tt := range tests {
		if tt.f.Target != tt.target || tt.f.Met == nil || *tt.f.Met != tt.met {
			t.Errorf("%s: target %q met %v, want %q %v", tt.name, tt.f.Target, deref(tt.f.Met), tt.target, tt.met)
		}
	}
	if f := (figure{Value: 30}).vs(60); f.Ratio != 0.5 || f.Baseline != 60 {
		t.Errorf("30 vs 60: ratio %v baseline %v", f.Ratio, f.Baseline)
	}
	if r := ratio(1, 0); r != 0 {
		t.Errorf("ratio to no baseline = %v, want 0", r)
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func TestEventFieldsReadsAJobEvent(t *testing.T) {
	t.Parallel()
	job := `{"id":"0190","type":"noop","status":"Success","parameters":{},"updatedAt":"2026-11-22T02:45:00.123Z","seq":3}`
	msg := `{"type":"data","id":"s1","event":` + strconv.Quote(job) + `}`
	status, updated, ok := eventFields([]byte(msg))
	want := time.Date(2026, 11, 22, 2, 45, 0, 123e6, time.UTC)
	if !ok || status != "Success" || !updated.Equal(want) {
		t.Errorf("eventFields = %q %v %v, want Success %v true", status, updated, ok, want)
	}
	for _, other := range []string{`{"type":"ka"}`, `{"type":"subscribe_success","id":"s1"}`, `{"type":"data","id":"s1","event":"{}"}`} {
		if _, _, ok := eventFields([]byte(other)); ok {
			t.Errorf("eventFields(%s) is ok, want not", other)
		}
	}
}

func TestReadResponse(t *testing.T) {
	t.Parallel()
	stream := "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\ncontent-length: 11\r\n\r\n{\"id\":\"j1\"}" +
		"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(stream))
	status, body, err := readResponse(br, nil)
	if err != nil || status != 202 || field(body, "id") != "j1" {
		t.Fatalf("first: %d %q %v, want 202 with id j1", status, body, err)
	}
	if status, body, err = readResponse(br, body); err != nil || status != 503 || len(body) != 0 {
		t.Fatalf("second: %d %q %v, want an empty 503", status, body, err)
	}
	if _, _, err = readResponse(br, body); err != errNoLength {
		t.Fatalf("chunked: %v, want errNoLength", err)
	}
}

func TestGetRequestIsOneHTTP1Request(t *testing.T) {
	t.Parallel()
	got := appendGet([]byte("x"), "127.0.0.1:1", "/jobs/", "j1")
	if want := "xGET /jobs/j1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n"; string(got) != want {
		t.Errorf("appendGet = %q, want %q", got, want)
	}
	post := postRequest("h:1", "/jobs", noopRequest)
	if !bytes.HasSuffix(post, []byte("Content-Length: 15\r\n\r\n"+noopRequest)) {
		t.Errorf("postRequest = %q: wrong length or body", post)
	}
}

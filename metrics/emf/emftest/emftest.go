// Package emftest reads Embedded Metric Format output back for tests: it
// decodes each line with encoding/json and checks it against the
// specification's rules, so that a test asserts on what CloudWatch would
// extract rather than on the text.
package emftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Line is what CloudWatch extracts from one EMF line of one directive.
type Line struct {
	Timestamp  int64
	Namespace  string
	Dimensions [][]string           // the dimension sets, each naming members of Values' line
	Members    map[string]string    // the dimensions' values by name
	Values     map[string][]float64 // each metric's values by name
	Units      map[string]string    // each metric's unit by name
}

// Units are the units CloudWatch accepts (its StandardUnit).
var Units = []string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}

// The specification's limits.
const (
	maxDimensionsPerSet = 30
	maxMetrics          = 100
	maxValues           = 100
)

// Parse checks every line of out (newline-separated; an empty out has none)
// and returns what each says, one Line per metric directive.
func Parse(out []byte) ([]Line, error) {
	if len(out) == 0 {
		return nil, nil
	}
	var lines []Line
	for i, raw := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
		got, err := parseLine(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d %s: %w", i+1, raw, err)
		}
		lines = append(lines, got...)
	}
	return lines, nil
}

// metadata is the _aws member, and all it may hold.
type metadata struct {
	Timestamp         json.RawMessage
	CloudWatchMetrics []json.RawMessage
	LogGroupName      string
}

type directive struct {
	Namespace  *string
	Dimensions [][]string
	Metrics    []definition
}

type definition struct {
	Name              *string
	Unit              string
	StorageResolution *int
}

func parseLine(raw []byte) ([]Line, error) {
	var root map[string]json.RawMessage
	if err := strictDecode(raw, &root, false); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	awsRaw, ok := root["_aws"]
	if !ok {
		return nil, errors.New("no _aws member")
	}
	var meta metadata
	if err := strictDecode(awsRaw, &meta, true); err != nil {
		return nil, fmt.Errorf("_aws: %w", err)
	}
	ts, err := strconv.ParseInt(string(meta.Timestamp), 10, 64) // a JSON number, not a string
	if err != nil || ts <= 0 {
		return nil, fmt.Errorf("_aws.Timestamp %s is not a number of milliseconds since the epoch", meta.Timestamp)
	}
	if meta.CloudWatchMetrics == nil {
		return nil, errors.New("_aws.CloudWatchMetrics is missing")
	}
	var lines []Line
	for _, dRaw := range meta.CloudWatchMetrics {
		var d directive
		if err := strictDecode(dRaw, &d, true); err != nil {
			return nil, fmt.Errorf("metric directive: %w", err)
		}
		line, err := extract(root, d)
		if err != nil {
			return nil, err
		}
		line.Timestamp = ts
		lines = append(lines, line)
	}
	return lines, nil
}

// extract checks one directive against the line's members.
func extract(root map[string]json.RawMessage, d directive) (Line, error) {
	if d.Namespace == nil || *d.Namespace == "" {
		return Line{}, errors.New("a directive has no Namespace")
	}
	if d.Dimensions == nil || d.Metrics == nil {
		return Line{}, errors.New("a directive lacks Dimensions or Metrics")
	}
	if len(d.Metrics) > maxMetrics {
		return Line{}, fmt.Errorf("%d metrics in a directive, more than %d", len(d.Metrics), maxMetrics)
	}
	line := Line{Namespace: *d.Namespace, Dimensions: d.Dimensions, Members: map[string]string{},
		Values: map[string][]float64{}, Units: map[string]string{}}
	for _, set := range d.Dimensions {
		if len(set) > maxDimensionsPerSet {
			return Line{}, fmt.Errorf("dimension set %v has more than %d dimensions", set, maxDimensionsPerSet)
		}
		for _, name := range set {
			var v string
			if err := json.Unmarshal(root[name], &v); err != nil {
				return Line{}, fmt.Errorf("dimension %q is not a string member of the line", name)
			}
			line.Members[name] = v
		}
	}
	for _, m := range d.Metrics {
		if m.Name == nil || *m.Name == "" {
			return Line{}, errors.New("a metric has no Name")
		}
		name := *m.Name
		if m.Unit != "" && !slices.Contains(Units, m.Unit) {
			return Line{}, fmt.Errorf("metric %s: unit %q is not one of CloudWatch's", name, m.Unit)
		}
		values, err := numbers(root[name])
		if err != nil {
			return Line{}, fmt.Errorf("metric %s: %w", name, err)
		}
		line.Values[name], line.Units[name] = values, m.Unit
	}
	return line, nil
}

// numbers is a metric's member: a number or an array of up to 100 numbers.
func numbers(raw json.RawMessage) ([]float64, error) {
	if raw == nil {
		return nil, errors.New("no member of that name")
	}
	var one float64
	if err := json.Unmarshal(raw, &one); err == nil {
		return []float64{one}, nil
	}
	var many []float64
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 || len(many) > maxValues {
		return nil, fmt.Errorf("value %s is neither a number nor an array of 1 to %d numbers", raw, maxValues)
	}
	return many, nil
}

// strictDecode decodes one JSON value and, if strict, refuses members v
// does not define (the spec's objects have no others).
func strictDecode(raw []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more after the JSON value")
	}
	return nil
}

// String writes a line as metric=value{dimension=value} pairs in name
// order, the dimension sets after a '/': compact enough to compare whole.
func (l Line) String() string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(l.Values)) {
		parts = append(parts, fmt.Sprintf("%s=%v", name, strings.Trim(fmt.Sprint(l.Values[name]), "[]")))
	}
	var dims []string
	for _, name := range slices.Sorted(maps.Keys(l.Members)) {
		dims = append(dims, name+"="+l.Members[name])
	}
	return strings.Join(parts, " ") + " {" + strings.Join(dims, ",") + "} / " + fmt.Sprint(l.Dimensions)
}

// Strings parses out as Parse does and returns each Line's String.
func Strings(out []byte) ([]string, error) {
	lines, err := Parse(out)
	var s []string
	for _, l := range lines {
		s = append(s, l.String())
	}
	return s, err
}

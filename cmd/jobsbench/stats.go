package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// summary describes a set of samples (milliseconds for latencies).
type summary struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// summarize sorts samples in place and returns their percentiles.
func summarize(samples []float64) summary {
	slices.Sort(samples)
	if len(samples) == 0 {
		return summary{}
	}
	return summary{
		N:   len(samples),
		P50: percentile(samples, 50),
		P95: percentile(samples, 95),
		P99: percentile(samples, 99),
		Max: samples[len(samples)-1],
	}
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted,
// which must not be empty: the smallest sample that at least p% of the
// samples do not exceed.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// ratio is v/base, or 0 when there is no base.
func ratio(v, base float64) float64 {
	if base == 0 {
		return 0
	}
	return v / base
}

// figure is one line of the results table.
type figure struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Unit     string  `json:"unit"`
	Baseline float64 `json:"baseline,omitempty"` // the baseline figure Value is compared with
	Ratio    float64 `json:"ratio,omitempty"`    // Value / Baseline
	Target   string  `json:"target,omitempty"`
	Met      *bool   `json:"met,omitempty"`
	phase    string  // the phase that measures it
}

// vs compares f with a baseline figure.
func (f figure) vs(base float64) figure {
	f.Baseline, f.Ratio = base, ratio(f.Value, base)
	return f
}

// atLeastOfBaseline sets a target of a share of the baseline.
func (f figure) atLeastOfBaseline(share float64) figure {
	ok := f.Baseline > 0 && f.Ratio >= share
	f.Target, f.Met = fmt.Sprintf("≥ %.0f%% of baseline", share*100), &ok
	return f
}

// atMost sets a target of a maximum value; no samples never meets it.
func (f figure) atMost(v float64) figure {
	ok := f.Value > 0 && f.Value <= v
	f.Target, f.Met = fmt.Sprintf("≤ %s %s", number(v), f.Unit), &ok
	return f
}

// number prints v with a precision that suits its size.
func number(v float64) string {
	switch {
	case v == math.Trunc(v) || math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// printTable writes the figures as an aligned table.
func printTable(w io.Writer, figures []figure) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\tunit\tvs baseline\ttarget\tmet")
	fmt.Fprintln(tw, strings.Repeat("-", 40)+"\t-----\t----\t-----------\t------\t---")
	for _, f := range figures {
		vs, met := "", ""
		if f.Baseline > 0 {
			vs = fmt.Sprintf("%.0f%% of %s", f.Ratio*100, number(f.Baseline))
		}
		if f.Met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*f.Met]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Name, number(f.Value), f.Unit, vs, f.Target, met)
	}
	return tw.Flush()
}

package main

import (
	"fmt"
	"slices"
	"strings"
)

// The phases, as -phases names them.
const (
	phaseBaseline = "baseline" // bare gin POST and GET (and wrk)
	phaseMemory   = "memory"   // jobsd's RSS per idle subscriber
	phasePush     = "push"     // push latency
	phaseSubmit   = "submit"   // POST /jobs, and end to end
	phaseGet      = "get"      // GET /jobs/{id} with -stored jobs
	phaseHeld     = "held"     // POST /jobs with processing held back
)

var allPhases = []string{phaseBaseline, phaseMemory, phasePush, phaseSubmit, phaseGet, phaseHeld}

// phaseSet is the phases to run.
type phaseSet map[string]bool

// parsePhases reads a comma-separated list of phase names.
func parsePhases(list string) (phaseSet, error) {
	set := phaseSet{}
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(allPhases, name) {
			return nil, fmt.Errorf("-phases: unknown phase %q: choose from %s", name, strings.Join(allPhases, ", "))
		}
		set[name] = true
	}
	return set, nil
}

// figurePhases are the phases that measure figures' rows, in their order.
var figurePhases = []string{
	phaseBaseline, phaseBaseline, // POST, GET
	phaseSubmit, phaseHeld, phaseGet, phaseSubmit, // submit, held back, GET, end-to-end
	phasePush, phasePush, phasePush, phaseMemory, // p50, p95, p99, RSS
}

// phaseFigures are figures, each with the phase that measures it.
func phaseFigures(cfg config, r results) []figure {
	fs := figures(cfg, r)
	for i := range fs {
		if i < len(figurePhases) {
			fs[i].phase = figurePhases[i]
		}
	}
	return fs
}

// only keeps the figures of the phases in the set.
func (s phaseSet) only(figures []figure) []figure {
	return slices.DeleteFunc(figures, func(f figure) bool { return !s[f.phase] })
}

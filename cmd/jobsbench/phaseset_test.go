package main

import (
	"io"
	"strings"
	"testing"
)

func TestPhasesFlagChoosesThePhasesAndTheirFigures(t *testing.T) {
	t.Parallel()
	cfg, _, err := parseFlags([]string{"-phases", "push, memory"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.phases) != 2 || !cfg.phases[phasePush] || !cfg.phases[phaseMemory] {
		t.Fatalf("phases %v, want push and memory", cfg.phases)
	}
	for _, f := range cfg.phases.only(phaseFigures(cfg, results{})) {
		if f.phase != phasePush && f.phase != phaseMemory {
			t.Errorf("figure %q of phase %q kept, want only push and memory", f.Name, f.phase)
		}
	}
	if got := len(cfg.phases.only(phaseFigures(cfg, results{}))); got != 4 {
		t.Errorf("%d figures kept, want 4 (push p50, p95, p99; memory)", got)
	}
	all, _, err := parseFlags(nil, io.Discard)
	if err != nil || len(all.phases) != len(allPhases) {
		t.Errorf("default phases %v (%v), want all of %v", all.phases, err, allPhases)
	}
	if _, _, err := parseFlags([]string{"-phases", "push,pushh"}, io.Discard); err == nil {
		t.Error("-phases pushh accepted, want an error naming the phases")
	}
}

func TestEveryFigureHasItsPhase(t *testing.T) {
	t.Parallel()
	fs := figures(config{}, results{})
	if len(fs) != len(figurePhases) {
		t.Fatalf("%d figures and %d figurePhases: give each new figure its phase", len(fs), len(figurePhases))
	}
	for _, f := range phaseFigures(config{}, results{}) {
		if !strings.HasPrefix(f.Name, map[string]string{
			phaseBaseline: "baseline", phaseSubmit: "", phaseHeld: "submit, processing held back",
			phaseGet: "GET", phasePush: "push", phaseMemory: "jobsd RSS",
		}[f.phase]) {
			t.Errorf("figure %q has phase %q", f.Name, f.phase)
		}
	}
}

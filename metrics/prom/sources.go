package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/asyncjobs/asyncjobs/push/localevents"
)

// Sources are the parts of a system that keep their own counts, read at
// each scrape: the hot paths pay nothing more for them.
type Sources struct {
	// Accepted is how many invocations the invoker accepted and has not
	// finished: queued, running or waiting to retry.
	Accepted func() int
	// Running is how many invocations run now.
	Running func() int
	// Capacity is how many invocations the invoker accepts at most; a
	// submission beyond them is refused with 503.
	Capacity int
	// PushDropped is how many job changes the push notifier dropped.
	PushDropped func() uint64
	Events      func() localevents.Stats
}

// Read registers the metrics read from src. Call it once.
func (m *Metrics) Read(src Sources) {
	gauge := func(name, help string, read func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Name: name, Help: help}, read)
	}
	counter := func(name, help string, read func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, read)
	}
	m.registry.MustRegister(
		gauge("invocations_accepted", "Invocations accepted and not finished: queued, running or waiting to retry (jobs and failure records).",
			func() float64 { return float64(src.Accepted()) }),
		gauge("invocations_running", "Invocations running now.",
			func() float64 { return float64(src.Running()) }),
		gauge("invocations_capacity", "Invocations the queue accepts at most; beyond them a submission is answered 503.",
			func() float64 { return float64(src.Capacity) }),
		counter("push_changes_dropped_total", "Job changes the push notifier dropped: its buffer was full, or it was closing.",
			func() float64 { return float64(src.PushDropped()) }),
		counter("events_published_total", "Events the events endpoint published to their channel's subscribers (job changes of channels with subscribers).",
			func() float64 { return float64(src.Events().Published) }),
		gauge("events_connections", "WebSocket connections open on the events endpoint.",
			func() float64 { return float64(src.Events().Connections) }),
		gauge("events_subscriptions", "Subscriptions of the events endpoint's connections.",
			func() float64 { return float64(src.Events().Subscriptions) }),
		counter("events_slow_consumers_dropped_total", "Connections the events endpoint dropped because their client read too slowly (the deliveries that did not fit are lost).",
			func() float64 { return float64(src.Events().SlowConsumers) }),
	)
}

package prom

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// conditions are the failure conditions of an invocation record, in the
// order of failureMetrics.records.
var conditions = [...]string{jobs.ConditionRetriesExhausted, jobs.ConditionEventAgeExceeded}

// failureMetrics count the failures' way: the records of failed processor
// invocations that reach the error handler, and the events archived.
type failureMetrics struct {
	records      [len(conditions)]prometheus.Counter
	otherRecords prometheus.Counter
	archived     prometheus.Counter
}

func newFailureMetrics(r prometheus.Registerer) failureMetrics {
	records := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "destination_records_total",
		Help: "Records of failed invocations delivered to the error handler (the processor's on-failure destination), by condition.",
	}, []string{"condition"})
	archived := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "archived_events_total",
		Help: "Failure events written to the local archive (the error handler's on-failure destination).",
	})
	r.MustRegister(records, archived)
	m := failureMetrics{otherRecords: records.WithLabelValues(otherLabel), archived: archived}
	for i, c := range conditions {
		m.records[i] = records.WithLabelValues(c)
	}
	return m
}

// RecordDelivered counts a failure record delivered to the error handler.
func (m *Metrics) RecordDelivered(condition string) {
	for i, c := range conditions {
		if c == condition {
			m.failures.records[i].Inc()
			return
		}
	}
	m.failures.otherRecords.Inc()
}

// EventArchived counts a failure event archived.
func (m *Metrics) EventArchived() { m.failures.archived.Inc() }

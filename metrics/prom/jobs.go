package prom

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/asyncjobs/asyncjobs/jobs"
)

var _ jobs.Meter = (*Metrics)(nil)

// jobBuckets span a job's times, from a millisecond to the six hours of
// Lambda's maximum event age.
var jobBuckets = []float64{
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600,
}

// terminal are the statuses a job finishes in, in the order of typeSeries.finished.
var terminal = [...]jobs.Status{jobs.StatusSuccess, jobs.StatusFailure, jobs.StatusCancelled}

// typeSeries are the children of one job type, resolved once so that the
// Meter's calls cost an atomic add or a histogram observation, not a lookup
// of labels.
type typeSeries struct {
	submitted, attempts, retries prometheus.Counter
	finished                     [len(terminal)]prometheus.Counter
	queueWait, run, turnaround   prometheus.Observer
}

// jobMetrics are the jobs.Meter's series, by job type.
type jobMetrics struct {
	byType map[string]*typeSeries // read-only after New
	other  *typeSeries            // a type New was not told of
}

func newJobMetrics(r prometheus.Registerer, types []string) jobMetrics {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		v := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
		r.MustRegister(v)
		return v
	}
	histogram := func(name, help string) *prometheus.HistogramVec {
		v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Name: name, Help: help, Buckets: jobBuckets}, []string{"type"})
		r.MustRegister(v)
		return v
	}
	submitted := counter("jobs_submitted_total", "Jobs stored by a submission (an idempotent replay is not counted).", "type")
	finished := counter("jobs_finished_total", "Jobs that reached a terminal status: Success, Failure or Cancelled.", "type", "status")
	attempts := counter("job_attempts_total", "Attempts started to run a job (the first and each retry).", "type")
	retries := counter("job_retries_total", "Attempts started after a job's first (the invoker's retries).", "type")
	queueWait := histogram("job_queue_wait_seconds", "Time from a job's submission to its first attempt's start.")
	run := histogram("job_run_seconds", "Time from a job's first start to its end, for jobs that ran.")
	turnaround := histogram("job_turnaround_seconds", "Time from a job's submission to its end, whatever the status.")
	resolve := func(t string) *typeSeries {
		s := &typeSeries{
			submitted: submitted.WithLabelValues(t), attempts: attempts.WithLabelValues(t), retries: retries.WithLabelValues(t),
			queueWait: queueWait.WithLabelValues(t), run: run.WithLabelValues(t), turnaround: turnaround.WithLabelValues(t),
		}
		for i, st := range terminal {
			s.finished[i] = finished.WithLabelValues(t, string(st))
		}
		return s
	}
	m := jobMetrics{byType: make(map[string]*typeSeries, len(types)), other: resolve(otherLabel)}
	for _, t := range types {
		m.byType[t] = resolve(t)
	}
	return m
}

func (m *jobMetrics) series(jobType string) *typeSeries {
	if s, ok := m.byType[jobType]; ok {
		return s
	}
	return m.other
}

// Submitted counts a stored submission.
func (m *Metrics) Submitted(jobType string) { m.jobs.series(jobType).submitted.Inc() }

// Started counts an attempt; the first one's queue wait is observed, a
// later one is a retry.
func (m *Metrics) Started(jobType string, attempt int, queueWait time.Duration) {
	s := m.jobs.series(jobType)
	s.attempts.Inc()
	if attempt > 1 {
		s.retries.Inc()
		return
	}
	s.queueWait.Observe(queueWait.Seconds())
}

// Finished counts a job's end by status and observes its times: the run
// time only when it ran.
func (m *Metrics) Finished(jobType string, status jobs.Status, run, total time.Duration) {
	s := m.jobs.series(jobType)
	for i, st := range terminal {
		if st == status {
			s.finished[i].Inc()
			break
		}
	}
	if run > 0 {
		s.run.Observe(run.Seconds())
	}
	s.turnaround.Observe(total.Seconds())
}

// Package emf writes the service's metrics in AWS Lambda as CloudWatch
// Embedded Metric Format (EMF) log lines: one JSON object per line, which
// CloudWatch Logs turns into metrics of one namespace without an agent.
// Meter implements jobs.Meter (jobs submitted, attempts and retries, jobs
// finished by status, queue wait, run time and submit-to-finish time), and
// counts the error handler's failure records. Its sibling metrics/prom
// exposes the same counts for jobsd in Prometheus's format.
//
// Each moment is one line, written at once: a request or an invocation
// handles one job, so there is nothing to gather, and nothing to lose when
// Lambda freezes or ends the process after it returns.
package emf

import (
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// DefaultNamespace is the CloudWatch namespace of the metrics unless the
// deployment names another (the CDK stack passes its own name).
const DefaultNamespace = "AsyncJobs"

// The metrics a Meter writes and their dimensions: Type is the job type,
// from the registry; Status a terminal status.
const (
	DimensionType   = "Type"
	DimensionStatus = "Status"

	// By Type.
	MetricSubmitted = "JobsSubmitted" // Count: jobs stored (a replayed submission is not)
	MetricAttempts  = "JobAttempts"   // Count: attempts started, the first and each retry
	MetricRetries   = "JobRetries"    // Count: attempts after the first (0 on a first attempt)
	MetricQueueWait = "QueueWait"     // Milliseconds: submission to the first attempt's start

	// By Type and Status, and by Status alone (to alarm on).
	MetricFinished       = "JobsFinished"   // Count: jobs that reached a terminal status
	MetricRunTime        = "RunTime"        // Milliseconds: first start to the end; only for a job that ran
	MetricSubmitToFinish = "SubmitToFinish" // Milliseconds: submission to the end

	// Without dimensions: the error handler's destination records.
	MetricFailureRecords          = "FailureRecords"          // Count: records received
	MetricFailureRecordsUnhandled = "FailureRecordsUnhandled" // Count: records it could not handle, sent on to the failure bus's archive
)

// The units the Meter uses, among CloudWatch's.
const (
	unitCount        = "Count"
	unitMilliseconds = "Milliseconds"
)

// Meter writes each metric moment as one EMF line to its writer, with one
// Write under a mutex, so its lines never interleave with each other nor
// with other writers' whole lines.
type Meter struct {
	w         io.Writer
	namespace string
	clock     jobs.Clock

	mu  sync.Mutex
	buf []byte // the line being written, reused
}

var _ jobs.Meter = (*Meter)(nil)

// New returns a Meter writing to w (Lambda: os.Stdout, which it ships to
// CloudWatch Logs) under namespace, which ValidNamespace must accept, with
// the clock's time as each line's timestamp.
func New(w io.Writer, namespace string, clock jobs.Clock) *Meter {
	return &Meter{w: w, namespace: namespace, clock: clock, buf: make([]byte, 0, 512)}
}

// Submitted writes JobsSubmitted.
func (m *Meter) Submitted(jobType string) {
	m.write(byType, []dimension{{DimensionType, jobType}}, []metric{{MetricSubmitted, unitCount, 1}})
}

// Started writes JobAttempts and JobRetries, and QueueWait for a first attempt.
func (m *Meter) Started(jobType string, attempt int, queueWait time.Duration) {
	dims := []dimension{{DimensionType, jobType}}
	if attempt > 1 {
		m.write(byType, dims, []metric{{MetricAttempts, unitCount, 1}, {MetricRetries, unitCount, 1}})
		return
	}
	m.write(byType, dims, []metric{
		{MetricAttempts, unitCount, 1}, {MetricRetries, unitCount, 0}, {MetricQueueWait, unitMilliseconds, milliseconds(queueWait)},
	})
}

// Finished writes JobsFinished and SubmitToFinish, and RunTime for a job
// that ran (run > 0).
func (m *Meter) Finished(jobType string, status jobs.Status, run, total time.Duration) {
	dims := []dimension{{DimensionType, jobType}, {DimensionStatus, string(status)}}
	if run <= 0 {
		m.write(byTypeAndStatus, dims, []metric{{MetricFinished, unitCount, 1}, {MetricSubmitToFinish, unitMilliseconds, milliseconds(total)}})
		return
	}
	m.write(byTypeAndStatus, dims, []metric{
		{MetricFinished, unitCount, 1}, {MetricRunTime, unitMilliseconds, milliseconds(run)},
		{MetricSubmitToFinish, unitMilliseconds, milliseconds(total)},
	})
}

// FailureRecord writes FailureRecords and FailureRecordsUnhandled for one
// destination record the error handler received: handled false when it
// could not, and the record goes on to the failure bus's archive.
func (m *Meter) FailureRecord(handled bool) {
	unhandled := 1.0
	if handled {
		unhandled = 0
	}
	m.write(noDimensions, nil, []metric{{MetricFailureRecords, unitCount, 1}, {MetricFailureRecordsUnhandled, unitCount, unhandled}})
}

// milliseconds is d in CloudWatch's Milliseconds unit.
func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// The dimension sets of the lines, as their JSON: each names top-level
// members of the line.
const (
	byType          = `[["` + DimensionType + `"]]`
	byTypeAndStatus = `[["` + DimensionType + `","` + DimensionStatus + `"],["` + DimensionStatus + `"]]`
	noDimensions    = `[[]]`
)

// dimension is a dimension's name and its value on a line.
type dimension struct{ name, value string }

// metric is a metric's name, unit and value on a line.
type metric struct {
	name, unit string
	value      float64
}

// write writes one line: the _aws metadata with one metric directive over
// dimensionSets (JSON naming dims), then the dimensions' values and the
// metrics' values as top-level members. A failed write is dropped: metrics
// are best effort and the function's output has nowhere else to go.
func (m *Meter) write(dimensionSets string, dims []dimension, metrics []metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := append(m.buf[:0], `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, m.clock.Now().UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":`...)
	b = appendString(b, m.namespace)
	b = append(b, `,"Dimensions":`...)
	b = append(b, dimensionSets...)
	b = append(b, `,"Metrics":[`...)
	for i, mt := range metrics {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Name":`...)
		b = appendString(b, mt.name)
		b = append(b, `,"Unit":`...)
		b = appendString(b, mt.unit)
		b = append(b, '}')
	}
	b = append(b, "]}]}"...)
	for _, d := range dims {
		b = append(b, ',')
		b = appendString(b, d.name)
		b = append(b, ':')
		b = appendString(b, d.value)
	}
	for _, mt := range metrics {
		b = append(b, ',')
		b = appendString(b, mt.name)
		b = append(b, ':')
		b = strconv.AppendFloat(b, mt.value, 'f', -1, 64)
	}
	b = append(b, "}\n"...)
	m.buf = b
	_, _ = m.w.Write(b)
}

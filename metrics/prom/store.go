package prom

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/asyncjobs/asyncjobs/jobs/boltstore"
)

var _ boltstore.CommitObserver = (*Metrics)(nil)

// batchBuckets span a group commit's requests, 1 to boltstore's default
// most (512) and beyond.
var batchBuckets = prometheus.ExponentialBuckets(1, 2, 11)

// commitBuckets span a commit's time, fsync included, from 50 µs to a
// second.
var commitBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}

// checkpointBuckets span a checkpoint's time, from a millisecond to ten seconds.
var checkpointBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// storeMetrics are the store's commit and checkpoint series.
type storeMetrics struct {
	batch, latency, checkpoint prometheus.Histogram
	checkpointFailures         prometheus.Counter
}

func newStoreMetrics(r prometheus.Registerer) storeMetrics {
	m := storeMetrics{
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_commit_batch_requests",
			Help: "Write requests made durable together by one group commit of the store's log.", Buckets: batchBuckets,
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_commit_duration_seconds",
			Help: "Time of one group commit, from taking its batch to answering it (fsync included).", Buckets: commitBuckets,
		}),
		checkpoint: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_checkpoint_duration_seconds",
			Help: "Time of one checkpoint of the store's log into its data file, failed ones included.", Buckets: checkpointBuckets,
		}),
		checkpointFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "store_checkpoint_failures_total",
			Help: "Checkpoints that failed: the log and the memory it holds grow until one succeeds.",
		}),
	}
	r.MustRegister(m.batch, m.latency, m.checkpoint, m.checkpointFailures)
	return m
}

// Committed observes a group commit.
func (m *Metrics) Committed(requests int, took time.Duration) {
	m.store.batch.Observe(float64(requests))
	m.store.latency.Observe(took.Seconds())
}

// Checkpointed observes a checkpoint.
func (m *Metrics) Checkpointed(_ int, took time.Duration, err error) {
	m.store.checkpoint.Observe(took.Seconds())
	if err != nil {
		m.store.checkpointFailures.Inc()
	}
}

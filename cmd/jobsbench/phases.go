package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
)

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func (b *bench) logPhase(p phase) {
	b.logf("%s: %.0f/s (status %v, %d errors; p99 %.2f ms; cores: server %.2f, generator %.2f, others %.2f)",
		p.Name, p.Rate, p.Status, p.Errors, p.LatencyMs.P99, p.Cores.Server, p.Cores.Loadgen, p.Cores.Others)
}

func (b *bench) logPush(p pushResult) {
	b.logf("push on %s, %d subscribers, %d jobs: %d events (%d jobs missed), p50 %.2f p99 %.2f ms",
		p.Channel, p.Subscribers, p.Jobs, p.Events, p.Missed, p.LatencyMs.P50, p.LatencyMs.P99)
}

// baseline measures the bare gin server, with this generator and with wrk.
func (b *bench) baseline(res *results) (err error) {
	c, host, err := startBaseline(b.tmp)
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := c.stop(); err == nil && stopErr != nil {
			err = fmt.Errorf("baseline server: %w", stopErr)
		}
	}()
	post := postRequest(host, "/jobs", noopRequest)
	res.HTTP.BaselinePost, err = measure("baseline POST (202)", c.pid(), 202, load{
		addr: host, conns: b.cfg.conns, until: time.Now().Add(b.cfg.duration),
		next: func(_ int, buf []byte) ([]byte, bool) { return append(buf, post...), true },
	})
	b.logPhase(res.HTTP.BaselinePost)
	if err != nil {
		return err
	}
	ids := make([]string, 1000) // ids of the length jobsd's have
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	if res.HTTP.BaselineGet, err = b.get("baseline GET (200)", c.pid(), host, ids); err != nil {
		return err
	}
	b.logPhase(res.HTTP.BaselineGet)
	if !b.cfg.wrk {
		return nil
	}
	if res.Wrk.Post, err = wrk(b.tmp, "http://"+host+"/jobs", "POST", noopRequest, b.cfg.conns, b.cfg.duration); err != nil {
		return err
	}
	if res.Wrk.Get, err = wrk(b.tmp, "http://"+host+"/jobs/"+ids[0], "GET", "", b.cfg.conns, b.cfg.duration); err != nil {
		return err
	}
	if res.Wrk.Post > 0 {
		b.logf("wrk -t1 -c%d on the baseline: POST %.0f/s, GET %.0f/s", b.cfg.conns, res.Wrk.Post, res.Wrk.Get)
	}
	return nil
}

// measureJobsd starts jobsd and measures it, in the phases chosen: memory
// first, on a fresh process, then push, submit with end-to-end, and GET.
func (b *bench) measureJobsd(ctx context.Context, res *results) (err error) {
	c, err := b.startJobsd("jobsd")
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := c.stop(); err == nil && stopErr != nil {
			err = fmt.Errorf("jobsd: %w", stopErr)
		}
	}()
	b.logf("jobsd at %s (pid %d)", b.api, b.jobsd.pid())
	if b.cfg.phases[phaseMemory] {
		b.logf("opening %d subscribers", b.cfg.memSubscribers)
		if res.Memory, err = b.memory(ctx, b.cfg.memSubscribers); err != nil {
			return fmt.Errorf("memory: %w", err)
		}
		m := res.Memory
		b.logf("memory: RSS %.1f → %.1f MiB with %d subscribers: %.1f KiB each (opened in %.1fs)",
			mib(m.RSSBefore), mib(m.RSSWith), m.Subscribers, m.PerSub/1024, m.DialSeconds)
	}
	if b.cfg.phases[phasePush] {
		if res.Push, err = b.pushPerJob(ctx, b.cfg.subscribers, b.cfg.pushRate, b.cfg.duration); err != nil {
			return fmt.Errorf("push: %w", err)
		}
		b.logPush(res.Push)
	}
	if b.cfg.phases[phaseSubmit] {
		if err := b.submitToSuccess(res); err != nil {
			return err
		}
	}
	if ctx.Err() != nil || !b.cfg.phases[phaseGet] {
		return ctx.Err()
	}
	b.logf("seeding to %d jobs", b.cfg.stored)
	if err := b.seed(b.cfg.stored); err != nil {
		return err
	}
	name := fmt.Sprintf("jobsd GET /jobs/{id}, %d stored", len(b.ids))
	if res.HTTP.Get, err = b.get(name, b.jobsd.pid(), b.api, b.ids); err != nil {
		return err
	}
	b.logPhase(res.HTTP.Get)
	return ctx.Err()
}

// submitToSuccess measures submit, and end to end: from the first POST to
// the last of its jobs' Success.
func (b *bench) submitToSuccess(res *results) error {
	start := time.Now()
	sub, ids, err := b.submit("jobsd POST /jobs noop (202)")
	b.logPhase(sub)
	if err != nil {
		return err
	}
	res.HTTP.Submit, b.ids = sub, ids
	last, err := b.finish(b.ids, 5*time.Minute)
	if err != nil {
		return fmt.Errorf("end-to-end: %w", err)
	}
	e := endToEnd{Jobs: len(b.ids), Seconds: last.Sub(start).Seconds()}
	e.Rate = float64(e.Jobs) / e.Seconds
	res.EndToEnd = e
	b.logf("end-to-end: %d jobs Success %.2fs after the first POST: %.0f jobs/s", e.Jobs, e.Seconds, e.Rate)
	return nil
}

// heldBack is the rate of the POST path alone: submit against a jobsd with
// one worker and a queue that never fills, so that it spends its CPU on
// accepting jobs, not on running them. The jobs left queued are dropped with
// its data directory.
func (b *bench) heldBack(res *results) (err error) {
	c, err := b.startJobsd("jobsd-held", "--workers", "1", "--queue-size", "10000000")
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := c.stop(); err == nil && stopErr != nil {
			err = fmt.Errorf("jobsd (held back): %w", stopErr)
		}
	}()
	res.HTTP.SubmitHeld, _, err = b.submit("jobsd POST /jobs noop, 1 worker (202)")
	b.logPhase(res.HTTP.SubmitHeld)
	return err
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// figures are the table: each figure with its baseline and target.
func figures(cfg config, r results) []figure {
	h := r.HTTP
	fs := []figure{
		{Name: "baseline: bare gin POST → 202", Value: h.BaselinePost.Rate, Unit: "req/s"},
		{Name: "baseline: bare gin GET → 200", Value: h.BaselineGet.Rate, Unit: "req/s"},
		figure{Name: "submit: POST /jobs noop → 202 (fsync)", Value: h.Submit.Rate, Unit: "req/s"}.
			vs(h.BaselinePost.Rate).atLeastOfBaseline(0.5),
		figure{Name: "submit, processing held back (1 worker)", Value: h.SubmitHeld.Rate, Unit: "req/s"}.vs(h.BaselinePost.Rate),
		figure{Name: fmt.Sprintf("GET /jobs/{id}, %d jobs stored", cfg.stored), Value: h.Get.Rate, Unit: "req/s"}.
			vs(h.BaselineGet.Rate).atLeastOfBaseline(0.8),
		figure{Name: "end-to-end: noop POST → Success", Value: r.EndToEnd.Rate, Unit: "jobs/s"}.
			vs(h.BaselinePost.Rate).atLeastOfBaseline(0.3),
	}
	p := r.Push
	where := fmt.Sprintf("%d subs on %s", p.Subscribers, p.Channel)
	return append(fs,
		figure{Name: "push p50, " + where, Value: p.LatencyMs.P50, Unit: "ms"},
		figure{Name: "push p95, " + where, Value: p.LatencyMs.P95, Unit: "ms"},
		figure{Name: "push p99, " + where, Value: p.LatencyMs.P99, Unit: "ms"}.atMost(5),
		figure{Name: fmt.Sprintf("jobsd RSS per subscriber, %d subs", r.Memory.Subscribers), Value: r.Memory.PerSub / 1024, Unit: "KiB"}.atMost(20))
}

// report prints the table and how the load generator was checked.
func report(w io.Writer, r results) {
	m := r.Machine
	fmt.Fprintf(w, "\njobsbench on %d × %s, %d MiB, Linux %s, %s; wall time %.0fs\n\n",
		m.CPUs, m.CPUModel, m.MemoryMB, m.Kernel, m.Go, r.WallSeconds)
	_ = printTable(w, r.Figures)
	fmt.Fprintln(w, "\nLoad generator check: CPU over each phase, in cores, of the server, of the generator (this")
	fmt.Fprintln(w, "process) and of everything else on the machine; and the HTTP p99 latency:")
	for _, p := range []phase{r.HTTP.BaselinePost, r.HTTP.BaselineGet, r.HTTP.Submit, r.HTTP.SubmitHeld, r.HTTP.Get} {
		if p.Name == "" {
			continue // not run: see -phases
		}
		fmt.Fprintf(w, "  %-40s %7.0f/s  server %.2f  generator %.2f (%.1f µs/response)  others %.2f  p99 %.2f ms\n",
			p.Name, p.Rate, p.Cores.Server, p.Cores.Loadgen, p.LoadgenMicros, p.Cores.Others, p.LatencyMs.P99)
	}
	if r.Wrk.Post > 0 {
		fmt.Fprintf(w, "  wrk -t1 on the baseline: POST %.0f/s, GET %.0f/s: this generator reaches %.0f%% and %.0f%% of wrk\n",
			r.Wrk.Post, r.Wrk.Get, 100*r.HTTP.BaselinePost.Rate/r.Wrk.Post, 100*r.HTTP.BaselineGet.Rate/r.Wrk.Get)
	} else {
		fmt.Fprintln(w, "  (wrk not run: install it, e.g. apt-get install wrk, to compare this generator with it)")
	}
	p := r.Push
	fmt.Fprintf(w, "  push %-10s %d jobs, %d events heard, %d jobs missed; server %.2f, generator+subscribers %.2f, others %.2f\n",
		p.Channel, p.Jobs, p.Events, p.Missed, p.Cores.Server, p.Cores.Loadgen, p.Cores.Others)
}

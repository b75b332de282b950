package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

const timeLayout = "2006-01-02T15:04:05.000Z07:00"

// printer writes jobs as a table or as JSON documents, one a line.
type printer struct {
	w    io.Writer
	json bool
}

func newPrinter(w io.Writer, output string) printer { return printer{w: w, json: output == "json"} }

// change writes one change of a job that is being followed.
func (p printer) change(j jobs.Job) {
	if p.json {
		p.writeJSON(j)
		return
	}
	line := fmt.Sprintf("%s  seq %-3d %-9s", j.UpdatedAt.UTC().Format(timeLayout), j.Seq, j.Status)
	if d := detail(j); d != "" {
		line += "  " + d
	}
	fmt.Fprintln(p.w, strings.TrimRight(line, " "))
}

// job writes a job on its own: under a header row, or as a JSON document.
func (p printer) job(j jobs.Job) { p.jobs([]jobs.Job{j}, true) }

// jobs writes jobs as rows of a table, under a header row if header is set,
// or as JSON documents, one a line.
func (p printer) jobs(list []jobs.Job, header bool) {
	if p.json {
		for _, j := range list {
			p.writeJSON(j)
		}
		return
	}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	if header {
		fmt.Fprintln(tw, "ID\tTYPE\tSTATUS\tSEQ\tUPDATED\tDETAIL")
	}
	for _, j := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", j.ID, j.Type, j.Status, j.Seq, j.UpdatedAt.UTC().Format(timeLayout), detail(j))
	}
	tw.Flush()
}

func (p printer) writeJSON(j jobs.Job) {
	b, _ := json.Marshal(jobjson.From(j)) // a job's JSON form always marshals
	fmt.Fprintf(p.w, "%s\n", b)
}

// detail is what a job's status calls for: its results on Success, the
// reason on Failure, else its latest progress.
func detail(j jobs.Job) string {
	switch {
	case j.Status == jobs.StatusSuccess:
		return string(j.Results)
	case j.Status == jobs.StatusFailure && j.Error != nil:
		return fmt.Sprintf("%s: %s (%s)", j.Error.Type, j.Error.Message, j.Error.Condition)
	case j.Progress != nil:
		return fmt.Sprintf("%s (%d/%d)", j.Progress.Step, j.Progress.Current, j.Progress.Total)
	}
	return ""
}

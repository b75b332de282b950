package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// printer writes one line per job change: a table row or a JSON document.
type printer struct {
	w    io.Writer
	json bool
}

func (p printer) print(j jobs.Job) {
	if p.json {
		b, _ := json.Marshal(jobjson.From(j))
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	line := fmt.Sprintf("%s  seq %-3d %-9s", j.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"), j.Seq, j.Status)
	switch {
	case j.Status == jobs.StatusSuccess:
		line += "  " + string(j.Results)
	case j.Status == jobs.StatusFailure && j.Error != nil:
		line += fmt.Sprintf("  %s: %s (%s)", j.Error.Type, j.Error.Message, j.Error.Condition)
	case j.Progress != nil:
		line += fmt.Sprintf("  %s (%d/%d)", j.Progress.Step, j.Progress.Current, j.Progress.Total)
	}
	fmt.Fprintln(p.w, line)
}

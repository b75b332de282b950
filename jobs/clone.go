package jobs

import "bytes"

// Clone returns a copy of j that shares no memory with it: what a store
// hands to an update function, so that a refused change leaves the stored
// job as it was.
func (j Job) Clone() Job {
	j.Parameters, j.Results = bytes.Clone(j.Parameters), bytes.Clone(j.Results)
	if j.Error != nil {
		e := *j.Error
		j.Error = &e
	}
	if j.Progress != nil {
		p := *j.Progress
		j.Progress = &p
	}
	return j
}

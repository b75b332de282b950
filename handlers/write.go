package handlers

import (
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// jsonContentType is the Content-Type of a job, as gin's c.JSON writes it.
const jsonContentType = "application/json; charset=utf-8"

// buffers hold a job's JSON while it is written. One that grew past
// maxPooledBuffer, for a job with large results, is left to the collector.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledBuffer = 64 << 10

// writeJob answers the job's public JSON with status.
func writeJob(c *gin.Context, status int, j jobs.Job) {
	buf := buffers.Get().(*[]byte)
	*buf = jobjson.Append((*buf)[:0], j)
	// The response writer copies the bytes before Data returns.
	c.Data(status, jsonContentType, *buf)
	if cap(*buf) <= maxPooledBuffer {
		buffers.Put(buf)
	}
}

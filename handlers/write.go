package handlers

import (
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// jsonContentType is the Content-Type of a job, as gin's c.JSON writes it,
// as a header value that every answer shares (c.Data would allocate one per
// answer; the slice's capacity of 1 makes any append copy it).
var jsonContentType = []string{"application/json; charset=utf-8"}

// buffers hold a job's JSON while it is written. One that grew past
// maxPooledBuffer, for a job with large results, is left to the collector.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledBuffer = 64 << 10

// writeJob answers the job's public JSON with status.
func writeJob(c *gin.Context, status int, j jobs.Job) {
	buf := buffers.Get().(*[]byte)
	*buf = jobjson.Append((*buf)[:0], j)
	// The response writer copies the bytes before writeJSON returns.
	writeJSON(c, status, *buf)
	if cap(*buf) <= maxPooledBuffer {
		buffers.Put(buf)
	}
}

// writeJSON answers body, a JSON document, with status.
func writeJSON(c *gin.Context, status int, body []byte) {
	c.Writer.Header()["Content-Type"] = jsonContentType
	c.Status(status)
	_, _ = c.Writer.Write(body) // a failed write is the client's gone connection
}

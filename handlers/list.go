package handlers

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/jobjson"
)

// listFilters are the query parameters that a page's cursor is bound to,
// with limit, which it is not: the next page's link keeps them all.
var listFilters = []string{"status", "type", "limit"}

// list answers GET /jobs: a page of the caller's jobs, newest first, as
// {"jobs": [...], "next": "<cursor>"} with each job as GET /jobs/{id}
// answers it. When there is a next page, "next" holds its cursor and the
// Link header its URL.
func (h *jobHandlers) list(c *gin.Context) {
	req := jobs.ListRequest{Owner: principal(c), Status: c.Query("status"), Type: c.Query("type"),
		Limit: c.Query("limit"), Cursor: c.Query("cursor")}
	res, err := h.svc.List(c.Request.Context(), req)
	if err != nil {
		_ = c.Error(err)
		return
	}
	buf := buffers.Get().(*[]byte)
	b := append((*buf)[:0], `{"jobs":[`...)
	for i, j := range res.Jobs {
		if i > 0 {
			b = append(b, ',')
		}
		b = jobjson.Append(b, j)
	}
	b = append(b, ']')
	if res.Next != "" {
		// A cursor is base64url: nothing in it needs escaping in JSON.
		b = append(append(append(b, `,"next":"`...), res.Next...), '"')
		c.Header("Link", "<"+h.nextURL(c, res.Next)+`>; rel="next"`)
	}
	b = append(b, '}')
	writeJSON(c, http.StatusOK, b)
	*buf = b
	if cap(b) <= maxPooledBuffer {
		buffers.Put(buf)
	}
}

// nextURL is the path and query of the page after the request's, under the
// API's base path.
func (h *jobHandlers) nextURL(c *gin.Context, cursor string) string {
	q := url.Values{"cursor": {cursor}}
	for _, name := range listFilters {
		if v := c.Query(name); v != "" {
			q.Set(name, v)
		}
	}
	return h.gateway.BasePath(c.Request) + "/jobs?" + q.Encode()
}

package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/push"
)

// get answers GET /jobs/:id, waiting up to ?wait=N seconds for the job to
// finish. A job id is a segment of its push channel (/jobs/<id>), so an id
// that is no valid segment (push.ValidSegment) names no job, here and in cancel.
func (h *jobHandlers) get(c *gin.Context) {
	id := c.Param("id")
	if !push.ValidSegment(id) {
		_ = c.Error(jobs.ErrNotFound)
		return
	}
	wait, err := waitQuery(c)
	if err != nil {
		_ = c.Error(err)
		return
	}
	if wait == 0 {
		e, err := h.svc.GetEncoded(c.Request.Context(), principal(c), id)
		if err != nil {
			_ = c.Error(err)
			return
		}
		if !e.Status.Terminal() {
			c.Header("Retry-After", "1")
		}
		writeJSON(c, http.StatusOK, e.JSON)
		return
	}
	job, err := h.svc.Wait(c.Request.Context(), principal(c), id, wait, h.gateway.AnswerBy(c.Request))
	if err != nil {
		_ = c.Error(err)
		return
	}
	if !job.Status.Terminal() {
		c.Header("Retry-After", "1")
	}
	writeJob(c, http.StatusOK, job)
}

// cancel answers DELETE /jobs/:id.
func (h *jobHandlers) cancel(c *gin.Context) {
	id := c.Param("id")
	if !push.ValidSegment(id) {
		_ = c.Error(jobs.ErrNotFound)
		return
	}
	job, err := h.svc.Cancel(c.Request.Context(), principal(c), id)
	if err != nil {
		_ = c.Error(err)
		return
	}
	writeJob(c, http.StatusOK, job)
}

// waitQuery reads the optional ?wait=N, whole seconds from 0 to jobs.MaxWait.
func waitQuery(c *gin.Context) (time.Duration, error) {
	raw, ok := c.GetQuery("wait")
	if !ok {
		return 0, nil
	}
	maxSeconds := int(jobs.MaxWait / time.Second)
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		return 0, fieldError("wait", "type", "an integer", "wait must be an integer number of seconds")
	case n < 0:
		return 0, fieldError("wait", "min", "0", "wait must be at least 0")
	case n > maxSeconds:
		return 0, fieldError("wait", "max", strconv.Itoa(maxSeconds), "wait must be at most "+strconv.Itoa(maxSeconds))
	}
	return time.Duration(n) * time.Second, nil
}

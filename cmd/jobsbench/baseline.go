package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// serveBaseline is the baseline-server subcommand: a bare gin engine that
// answers POST /jobs with 202 and GET /jobs/:id with 200, both a small JSON
// object, like jobsd's routes without the work behind them. It prints its
// address and serves until it is killed.
func serveBaseline() error {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.POST("/jobs", func(c *gin.Context) {
		_, _ = io.Copy(io.Discard, c.Request.Body)
		c.JSON(http.StatusAccepted, gin.H{"id": "00000000-0000-7000-8000-000000000000", "status": "Pending"})
	})
	e.GET("/jobs/:id", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "status": "Success"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("baseline http://%s\n", ln.Addr())
	return http.Serve(ln, e)
}

var baselineLine = regexp.MustCompile(`^baseline http://(\S+)`)

// startBaseline runs this program's baseline-server subcommand as a child.
func startBaseline(tmp string) (*child, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	c, got, err := startChild(self, []string{"baseline-server"}, filepath.Join(tmp, "baseline.log"), baselineLine)
	if err != nil {
		return nil, "", err
	}
	return c, got[0], nil
}

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrk measures the rate wrk reaches with one thread and conns connections,
// as a check of this program's generator; 0 if wrk is not installed.
func wrk(tmp, url, method, body string, conns int, d time.Duration) (float64, error) {
	bin, err := exec.LookPath("wrk")
	if err != nil {
		return 0, nil
	}
	script := filepath.Join(tmp, "wrk-"+method+".lua")
	lua := fmt.Sprintf("wrk.method = %q\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", method, body)
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		return 0, err
	}
	out, err := exec.Command(bin, "-t1", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(d.Seconds()))+"s", "-s", script, url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	m := wrkRate.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk printed no rate:\n%s", out)
	}
	if strings.Contains(string(out), "Non-2xx") {
		return 0, fmt.Errorf("wrk got errors:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

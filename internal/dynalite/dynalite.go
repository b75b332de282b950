// Package dynalite runs dynalite, DynamoDB's API served by Node (installed
// from node/package-lock.json), on a free loopback port, in memory or in a
// directory, for the AWS stack run on this machine.
package dynalite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/asyncjobs/asyncjobs/internal/syncbuf"
)

// ErrNoNode says that Node is not installed: dynalite cannot run.
var ErrNoNode = errors.New("dynalite: node is not on PATH: the local AWS stack needs Node 20 or later for DynamoDB")

// CLI is where `npm ci` in this package's node/ folder installs dynalite,
// in the module whose root directory is moduleDir.
func CLI(moduleDir string) string {
	return filepath.Join(moduleDir, "internal", "dynalite", "node", "node_modules", "dynalite", "cli.js")
}

// Server is a running dynalite.
type Server struct {
	Endpoint string // http://127.0.0.1:port
	cmd      *exec.Cmd
	stdin    io.WriteCloser // node exits when it closes, even if this process dies
	exited   chan struct{}
	output   *syncbuf.Buffer
}

// Start starts dynalite, keeping its tables in dir ("" for memory), and
// waits until it answers.
func Start(ctx context.Context, cli, dir string) (*Server, error) {
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("dynalite is not installed at %s: run npm ci in %s (make aws-local and make test do it)", cli, filepath.Dir(filepath.Dir(filepath.Dir(cli))))
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, ErrNoNode
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"-e", "process.stdin.on('end', () => process.exit()).resume(); require(process.argv[1])",
		cli, "--port", strconv.Itoa(port), "--host", "127.0.0.1", "--createTableMs", "0", "--deleteTableMs", "0"}
	if dir != "" {
		args = append(args, "--path", dir)
	}
	cmd := exec.Command(node, args...)
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, exited: make(chan struct{}), output: &syncbuf.Buffer{}}
	cmd.Stdout, cmd.Stderr = s.output, s.output
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	go func() {
		cmd.Wait()
		close(s.exited)
	}()
	if err := s.awaitReady(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Client is a DynamoDB client of the server, with throwaway credentials
// (dynalite checks none).
func (s *Server) Client(region string) *dynamodb.Client { return Client(s.Endpoint, region) }

// Client is a DynamoDB client of the dynalite at endpoint.
func Client(endpoint, region string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

func (s *Server) awaitReady(ctx context.Context) error {
	client := s.Client("us-east-1")
	deadline := time.Now().Add(20 * time.Second)
	for {
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		_, err := client.ListTables(attempt, &dynamodb.ListTablesInput{})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("dynalite exited: %s", s.output.String())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dynalite does not answer on %s: %w", s.Endpoint, err)
		}
	}
}

// Close stops dynalite.
func (s *Server) Close() error {
	s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	return nil
}

package dynamostore

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/storetest"
)

// dynalite is the one dynalite server of the test binary, started by the
// first test that needs it and stopped by TestMain.
var dynalite struct {
	once     sync.Once
	endpoint string
	err      error
	cmd      *exec.Cmd
	stdin    io.WriteCloser // node exits when it closes, even if the test binary dies
	exited   chan struct{}  // closed once the process has exited
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopDynalite()
	os.Exit(code)
}

// endpoint returns the URL of the dynalite server, starting it if needed.
func endpoint(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts dynalite with Node")
	}
	dynalite.once.Do(func() { dynalite.endpoint, dynalite.err = startDynalite() })
	if dynalite.err != nil {
		t.Fatal(dynalite.err)
	}
	return dynalite.endpoint
}

// startDynalite starts dynalite in memory on a free port and waits until it
// answers.
func startDynalite() (string, error) {
	cli, err := filepath.Abs(filepath.Join("testdata", "dynalite", "node_modules", "dynalite", "cli.js"))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(cli); err != nil {
		return "", errors.New("dynalite is not installed: run npm ci in jobs/dynamostore/testdata/dynalite (make test does it)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("node is not on PATH: the DynamoDB tests need Node 20 or later")
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	// cli.js, run by a one-line script that ends it when stdin closes.
	cmd := exec.Command(node, "-e", "process.stdin.on('end', () => process.exit()).resume(); require(process.argv[1])",
		cli, "--port", strconv.Itoa(port), "--host", "127.0.0.1", "--createTableMs", "0")
	var output bytes.Buffer // read only once the process has exited
	cmd.Stdout, cmd.Stderr = &output, &output
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start dynalite: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	dynalite.cmd, dynalite.stdin, dynalite.exited = cmd, stdin, exited

	url := "http://127.0.0.1:" + strconv.Itoa(port)
	client := newClient(url)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
		cancel()
		if err == nil {
			return url, nil
		}
		select {
		case <-exited:
			return "", fmt.Errorf("dynalite exited: %s", output.Bytes())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("dynalite does not answer on %s: %w", url, err)
		}
	}
}

func stopDynalite() {
	if dynalite.cmd == nil {
		return
	}
	dynalite.stdin.Close()
	select {
	case <-dynalite.exited:
	case <-time.After(5 * time.Second):
		dynalite.cmd.Process.Kill()
		<-dynalite.exited
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func newClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

// newTable creates a table with a random name, as the CDK stack does: the
// partition key id (S). dynalite has no TTL; the store filters on read.
func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	name := "jobs-" + rand.Text()
	_, err := client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	// With --createTableMs 0 the table is ACTIVE on the next tick.
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 50*time.Millisecond
	})
	if err := waiter.Wait(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 10*time.Second); err != nil {
		t.Fatalf("wait for table %s: %v", name, err)
	}
	return name
}

// env is a fresh table, a client on it and a clock the test sets.
type env struct {
	client *dynamodb.Client
	table  string
	clock  *clock
}

func setup(t *testing.T) env {
	t.Helper()
	client := newClient(endpoint(t))
	return env{client: client, table: newTable(t, client), clock: &clock{now: time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)}}
}

// store returns a store on the env's table through client, the env's own
// client if nil.
func (e env) store(client Client) *Store {
	if client == nil {
		client = e.client
	}
	return New(client, e.table, e.clock)
}

// clock is a jobs.Clock that tells the time it is set to.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestConformance(t *testing.T) {
	t.Parallel()
	client := newClient(endpoint(t))
	storetest.Run(t, func(t *testing.T) jobs.Store {
		return New(client, newTable(t, client), jobs.SystemClock{})
	})
}

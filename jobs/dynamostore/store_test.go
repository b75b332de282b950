package dynamostore

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/internal/dynalite"
	"github.com/asyncjobs/asyncjobs/internal/testclock"
	"github.com/asyncjobs/asyncjobs/jobs"
	"github.com/asyncjobs/asyncjobs/jobs/storetest"
)

// server is the one dynalite of the test binary, started by the first test
// that needs it and stopped by TestMain.
var server struct {
	once sync.Once
	*dynalite.Server
	err error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if server.Server != nil {
		server.Close()
	}
	os.Exit(code)
}

// newClient returns a client of the dynalite server, starting it if needed.
func newClient(t *testing.T) *dynamodb.Client {
	t.Helper()
	if testing.Short() {
		t.Skip("starts dynalite with Node")
	}
	server.once.Do(func() {
		server.Server, server.err = dynalite.Start(context.Background(), dynalite.CLI(filepath.Join("..", "..")), "")
	})
	if server.err != nil {
		t.Fatal(server.err)
	}
	return server.Client("us-east-1")
}

// newTable creates a table with a random name, as the CDK stack does: the
// partition key id (S) and the index IndexByOwner. dynalite has no TTL; the store filters on read.
func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	name := "jobs-" + rand.Text()
	_, err := client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrOwner), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrListKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(IndexByOwner),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(AttrOwner), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(AttrListKey), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
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
	clock  *testclock.Manual
}

func setup(t *testing.T) env {
	t.Helper()
	client := newClient(t)
	return env{client: client, table: newTable(t, client), clock: testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC))}
}

// store returns a store on the env's table through client, the env's own
// client if nil.
func (e env) store(client Client) *Store {
	if client == nil {
		client = e.client
	}
	return New(client, e.table, e.clock)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	storetest.Run(t, func(t *testing.T) jobs.Store {
		return New(client, newTable(t, client), jobs.SystemClock{})
	})
}

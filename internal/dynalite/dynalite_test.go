package dynalite

import (
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/internal/awsstack"
)

func TestTableFromTheTemplate(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts dynalite with Node")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("Node is not installed: dynalite cannot run")
	}
	dir := t.TempDir()
	srv, err := Start(t.Context(), CLI(filepath.Join("..", "..")), dir)
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client("us-east-1")
	table := awsstack.Table{
		Name:       "Stack-Jobs",
		Keys:       []awsstack.Key{{Name: "pk", Type: "HASH"}, {Name: "sk", Type: "RANGE"}},
		Attributes: []awsstack.Attribute{{Name: "pk", Type: "S"}, {Name: "sk", Type: "N"}, {Name: "by", Type: "S"}},
		Indexes:    []awsstack.Index{{Name: "bySk", Keys: []awsstack.Key{{Name: "by", Type: "HASH"}, {Name: "sk", Type: "RANGE"}}, Projection: "ALL"}},
	}
	for range 2 { // the second finds it made
		if err := CreateTable(t.Context(), client, table); err != nil {
			t.Fatal(err)
		}
	}
	out, err := client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table.Name)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range out.Table.KeySchema {
		keys = append(keys, *k.AttributeName+" "+string(k.KeyType))
	}
	if !slices.Equal(keys, []string{"pk HASH", "sk RANGE"}) || out.Table.TableStatus != "ACTIVE" {
		t.Errorf("table %v %s, want pk HASH, sk RANGE, ACTIVE", keys, out.Table.TableStatus)
	}
	if gsi := out.Table.GlobalSecondaryIndexes; len(gsi) != 1 || *gsi[0].IndexName != "bySk" || len(gsi[0].KeySchema) != 2 ||
		*gsi[0].KeySchema[0].AttributeName != "by" || gsi[0].Projection.ProjectionType != types.ProjectionTypeAll {
		t.Errorf("indexes %+v, want bySk on by and sk, ALL", gsi)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// A dynalite on the same directory has the table.
	srv, err = Start(t.Context(), CLI(filepath.Join("..", "..")), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.Client("us-east-1").DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table.Name)}); err != nil {
		t.Errorf("after a restart on %s: %v", dir, err)
	}
}

func TestNotInstalled(t *testing.T) {
	t.Parallel()
	_, err := Start(t.Context(), filepath.Join(t.TempDir(), "cli.js"), "")
	if err == nil || errors.Is(err, ErrNoNode) {
		t.Errorf("Start without dynalite: %v, want an error saying how to install it", err)
	}
}

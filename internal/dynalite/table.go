package dynalite

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/asyncjobs/asyncjobs/internal/awsstack"
)

// CreateTable creates the stack's table as its template describes it, with
// its global secondary indexes, on demand, unless a table of that name exists (dynalite in a directory keeps
// its tables), and waits until it is ACTIVE: even with --createTableMs 0 a
// new table is CREATING until dynalite's next tick.
func CreateTable(ctx context.Context, client *dynamodb.Client, t awsstack.Table) error {
	in := &dynamodb.CreateTableInput{TableName: aws.String(t.Name), BillingMode: types.BillingModePayPerRequest}
	for _, k := range t.Keys {
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: types.KeyType(k.Type)})
	}
	for _, a := range t.Attributes {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(a.Name), AttributeType: types.ScalarAttributeType(a.Type)})
	}
	for _, index := range t.Indexes {
		gsi := types.GlobalSecondaryIndex{IndexName: aws.String(index.Name), Projection: &types.Projection{ProjectionType: types.ProjectionType(index.Projection)}}
		for _, k := range index.Keys {
			gsi.KeySchema = append(gsi.KeySchema, types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: types.KeyType(k.Type)})
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, gsi)
	}
	_, err := client.CreateTable(ctx, in)
	if inUse := (*types.ResourceInUseException)(nil); err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("dynalite: create table %s: %w", t.Name, err)
	}
	active := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 100*time.Millisecond
	})
	if err := active.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.Name)}, 30*time.Second); err != nil {
		return fmt.Errorf("dynalite: table %s is not ACTIVE: %w", t.Name, err)
	}
	return nil
}

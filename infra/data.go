package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
)

// ttlAttribute is the item attribute DynamoDB's TTL deletes expired jobs by
// (epoch seconds); the store also filters expired items on read, because TTL
// deletion is lazy.
const ttlAttribute = "expiresAt"

// ownerIndex is the index of jobs/dynamostore's List (IndexByOwner): an
// owner's jobs (partition key "owner") by creation, then id (sort key
// "listKey"), every attribute projected, since a list answers whole jobs.
const ownerIndex = "byOwner"

// newJobsTable creates the jobs table: one item per job under its id, with
// the index ownerIndex, on-demand, encrypted with a customer-managed key,
// with point-in-time recovery. The table and its key outlive the stack (RETAIN): deleting the
// stack never deletes jobs.
func newJobsTable(stack awscdk.Stack) awsdynamodb.Table {
	key := awskms.NewKey(stack, jsii.String("JobsTableKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the jobs table"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	table := awsdynamodb.NewTable(stack, jsii.String("JobsTable"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:          awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey:       key,
		TimeToLiveAttribute: jsii.String(ttlAttribute),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(ownerIndex),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String("owner"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String("listKey"), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return table
}

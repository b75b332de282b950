package main

import "testing"

func TestJobsTable(t *testing.T) {
	tpl := setup(t)
	_, table := tpl.one(t, "AWS::DynamoDB::Table", "JobsTable")
	keyID, key := tpl.one(t, "AWS::KMS::Key", "JobsTableKey")
	p := table.Properties
	for _, check := range []struct {
		property string
		want     any
	}{
		{"KeySchema", []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}},
		{"AttributeDefinitions", []any{
			map[string]any{"AttributeName": "id", "AttributeType": "S"},
			map[string]any{"AttributeName": "owner", "AttributeType": "S"},
			map[string]any{"AttributeName": "listKey", "AttributeType": "S"},
		}},
		// jobs/dynamostore's List: an owner's jobs by creation, whole.
		{"GlobalSecondaryIndexes", []any{map[string]any{
			"IndexName": "byOwner",
			"KeySchema": []any{
				map[string]any{"AttributeName": "owner", "KeyType": "HASH"},
				map[string]any{"AttributeName": "listKey", "KeyType": "RANGE"},
			},
			"Projection": map[string]any{"ProjectionType": "ALL"},
		}}},
		{"BillingMode", "PAY_PER_REQUEST"},
		{"TimeToLiveSpecification", map[string]any{"AttributeName": "expiresAt", "Enabled": true}},
		{"PointInTimeRecoverySpecification", map[string]any{"PointInTimeRecoveryEnabled": true}},
		{"SSESpecification", map[string]any{"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": getAtt(keyID, "Arn")}},
	} {
		if !same(p[check.property], check.want) {
			t.Errorf("%s = %v, want %v", check.property, p[check.property], check.want)
		}
	}
	if table.DeletionPolicy != "Retain" || key.DeletionPolicy != "Retain" {
		t.Errorf("deletion policies: table %q, key %q; want Retain for both", table.DeletionPolicy, key.DeletionPolicy)
	}
	if key.Properties["EnableKeyRotation"] != true {
		t.Error("the table key is not rotated")
	}
}

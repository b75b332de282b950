// Package credfile reads the principals a local API accepts from a
// credentials file: a JSON list of {"accessKeyId", "secretAccessKey",
// "sessionToken"?, "principal"} (jobsd's and awslocal's --credentials-file).
package credfile

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
)

// Read returns the principals of file, or without a file the local
// principal, with its keys from JOBS_ACCESS_KEY_ID and
// JOBS_SECRET_ACCESS_KEY when set. The dev credential is never added to a
// file's principals.
func Read(file string) ([]sigv4.Credential, error) {
	if file == "" {
		return []sigv4.Credential{sigv4.LocalCredential(os.LookupEnv)}, nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--credentials-file: %w", err)
	}
	var creds []sigv4.Credential
	if err := json.Unmarshal(raw, &creds); err != nil {
		return nil, fmt.Errorf("--credentials-file %s: not a JSON list of credentials: %w", file, err)
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("--credentials-file %s: the list is empty; it needs at least one principal", file)
	}
	for i, c := range creds {
		if c.AccessKeyID == "" || c.SecretAccessKey == "" || c.Principal == "" {
			return nil, fmt.Errorf("--credentials-file %s: entry %d needs accessKeyId, secretAccessKey and principal", file, i)
		}
	}
	return creds, nil
}

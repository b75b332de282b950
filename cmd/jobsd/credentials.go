package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/asyncjobs/asyncjobs/auth/sigv4"
)

func authEnabled(mode string) (bool, error) {
	switch mode {
	case "sigv4":
		return true, nil
	case "none":
		return false, nil
	}
	return false, fmt.Errorf("--auth must be sigv4 or none, not %q", mode)
}

// credentials returns the principals the API accepts: those of file, the
// first of which --auth=none acts as, or without a file the local
// principal, with its keys from the environment when set. The dev
// credential is never added to a file's principals.
func credentials(file string) ([]sigv4.Credential, error) {
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

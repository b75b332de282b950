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

// credentials returns the local principal, with its keys from the
// environment when set, followed by the principals of file.
func credentials(file string) ([]sigv4.Credential, error) {
	out := []sigv4.Credential{sigv4.LocalCredential(os.LookupEnv)}
	if file == "" {
		return out, nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--credentials-file: %w", err)
	}
	var more []sigv4.Credential
	if err := json.Unmarshal(raw, &more); err != nil {
		return nil, fmt.Errorf("--credentials-file %s: not a JSON list of credentials: %w", file, err)
	}
	for i, c := range more {
		if c.AccessKeyID == "" || c.SecretAccessKey == "" || c.Principal == "" {
			return nil, fmt.Errorf("--credentials-file %s: entry %d needs accessKeyId, secretAccessKey and principal", file, i)
		}
	}
	return append(out, more...), nil
}

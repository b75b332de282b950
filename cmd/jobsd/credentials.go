package main

import "fmt"

func authEnabled(mode string) (bool, error) {
	switch mode {
	case "sigv4":
		return true, nil
	case "none":
		return false, nil
	}
	return false, fmt.Errorf("--auth must be sigv4 or none, not %q", mode)
}

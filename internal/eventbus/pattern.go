package eventbus

import (
	"encoding/json"
	"fmt"
)

// matches says whether event (an EventBridge event as JSON) matches
// pattern, an EventBridge event pattern: each field lists the values it
// may have, or nests a pattern for an object; a value may also be
// {"exists": true|false} or {"prefix": "…"}. A null pattern matches all.
func matches(pattern, event json.RawMessage) (bool, error) {
	if len(pattern) == 0 || string(pattern) == "null" {
		return true, nil
	}
	var p map[string]any
	if err := json.Unmarshal(pattern, &p); err != nil {
		return false, fmt.Errorf("eventbus: event pattern %s: %w", pattern, err)
	}
	var e map[string]any
	if err := json.Unmarshal(event, &e); err != nil {
		return false, fmt.Errorf("eventbus: event %s: %w", event, err)
	}
	return matchObject(p, e)
}

func matchObject(pattern, event map[string]any) (bool, error) {
	for field, want := range pattern {
		value, present := event[field]
		switch want := want.(type) {
		case map[string]any:
			nested, ok := value.(map[string]any)
			if !ok {
				return false, nil
			}
			if m, err := matchObject(want, nested); err != nil || !m {
				return m, err
			}
		case []any:
			m, err := matchAny(want, value, present)
			if err != nil || !m {
				return m, err
			}
		default:
			return false, fmt.Errorf("eventbus: pattern field %s must be a list or an object, not %v", field, want)
		}
	}
	return true, nil
}

// matchAny says whether value matches one of the pattern's values.
func matchAny(wants []any, value any, present bool) (bool, error) {
	values, isList := value.([]any)
	if !isList {
		values = []any{value}
	}
	for _, want := range wants {
		if rule, ok := want.(map[string]any); ok {
			m, err := matchRule(rule, values, present)
			if err != nil || m {
				return m, err
			}
			continue
		}
		for _, v := range values {
			if present && v == want {
				return true, nil
			}
		}
	}
	return false, nil
}

func matchRule(rule map[string]any, values []any, present bool) (bool, error) {
	if exists, ok := rule["exists"].(bool); ok && len(rule) == 1 {
		return exists == present, nil
	}
	if prefix, ok := rule["prefix"].(string); ok && len(rule) == 1 {
		for _, v := range values {
			if s, ok := v.(string); ok && present && len(s) >= len(prefix) && s[:len(prefix)] == prefix {
				return true, nil
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("eventbus: pattern rule %v is not supported locally (exists and prefix are)", rule)
}

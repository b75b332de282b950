package handlers

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// exercised is every status the handler tests see, by operation. 500 is
// reachable everywhere a handler calls the service.
var exercised = map[string][]int{
	"POST /jobs":        {200, 202, 400, 413, 415, 422, 500, 503},
	"GET /jobs":         {200, 400, 500, 503},
	"GET /jobs/{id}":    {200, 400, 404, 500, 503},
	"DELETE /jobs/{id}": {200, 404, 409, 500, 503},
	"GET /healthz":      {200},
	"GET /openapi.json": {200},
}

// document is the embedded OpenAPI document, as plain JSON values.
func document(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	return doc
}

// operations returns the documented operations, "METHOD /path", with their responses.
func operations(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	ops := map[string]map[string]any{}
	for path, item := range doc["paths"].(map[string]any) {
		for key, op := range item.(map[string]any) {
			if slices.Contains(methods, key) {
				ops[strings.ToUpper(key)+" "+path] = op.(map[string]any)["responses"].(map[string]any)
			}
		}
	}
	return ops
}

func TestOpenAPIRoutes(t *testing.T) {
	t.Parallel()
	ops := operations(t, document(t))
	param := regexp.MustCompile(`:([A-Za-z]+)`)
	routes := map[string]bool{}
	for _, r := range New(Config{Service: newFake()}).Routes() {
		route := r.Method + " " + param.ReplaceAllString(r.Path, "{$1}")
		routes[route] = true
		if _, ok := ops[route]; !ok {
			t.Errorf("route %s is not documented", route)
		}
	}
	for op := range ops {
		if !routes[op] {
			t.Errorf("documented operation %s is not a route", op)
		}
	}
	for op := range exercised {
		if !routes[op] {
			t.Errorf("exercised lists %s, which is not a route", op)
		}
	}
}

func TestOpenAPIStatuses(t *testing.T) {
	t.Parallel()
	doc := document(t)
	for op, responses := range operations(t, doc) {
		for _, status := range exercised[op] {
			if _, ok := responses[strconv.Itoa(status)]; !ok {
				t.Errorf("%s does not document %d", op, status)
			}
		}
		for code, response := range responses {
			n, err := strconv.Atoi(code)
			if err != nil {
				t.Errorf("%s: response %q is not a status", op, code)
				continue
			}
			content, _ := resolve(t, doc, response)["content"].(map[string]any)
			_, problem := content["application/problem+json"]
			if (n >= 400) != problem {
				t.Errorf("%s %d: content %v; errors and only errors are application/problem+json", op, n, content)
			}
		}
	}
}

func TestOpenAPIReferences(t *testing.T) {
	t.Parallel()
	doc := document(t)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && lookup(doc, ref) == nil {
				t.Errorf("$ref %q does not resolve", ref)
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
}

// resolve follows v's $ref, if it has one.
func resolve(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	m, _ := v.(map[string]any)
	if ref, ok := m["$ref"].(string); ok {
		m, _ = lookup(doc, ref).(map[string]any)
	}
	return m
}

// lookup returns what a local reference "#/a/b" points to, or nil.
func lookup(doc map[string]any, ref string) any {
	pointer, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var v any = doc
	for part := range strings.SplitSeq(pointer, "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
	}
	return v
}

package awsstack

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// freshAssembly is where `make infra-test` (cdk synth) writes the stack.
var freshAssembly = filepath.Join("..", "..", "infra", "cdk.out")

// assembly returns the freshly synthesized cloud assembly when there is
// one, else the copy in testdata (synthesized with `make infra-test` and
// copied by hand: refresh it when the stack changes).
func assembly(t *testing.T) (dir string, fresh bool) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(freshAssembly, "manifest.json")); err == nil {
		t.Logf("reading the synthesized stack in %s", freshAssembly)
		return freshAssembly, true
	}
	t.Logf("no synthesized stack in %s: reading the copy in testdata/cdk.out", freshAssembly)
	return filepath.Join("testdata", "cdk.out"), false
}

var local = Local{Region: "us-east-1", Account: "000000000000", EventsHost: "127.0.0.1:8443"}

func load(t *testing.T) (*Stack, bool) {
	t.Helper()
	dir, fresh := assembly(t)
	sf, err := OnlyStack(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(sf, local)
	if err != nil {
		t.Fatal(err)
	}
	return s, fresh
}

// function returns the function whose bootstrap's Env has the variable
// named, failing the test if not exactly one.
func functionWith(t *testing.T, s *Stack, pred func(*Function) bool, what string) *Function {
	t.Helper()
	var found []*Function
	for _, f := range s.Functions {
		if pred(f) {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d functions %s, want one", len(found), what)
	}
	return found[0]
}

func TestFunctionsAndTheirAsyncWiring(t *testing.T) {
	t.Parallel()
	s, _ := load(t)
	if len(s.Functions) != 3 {
		t.Fatalf("%d functions, want 3", len(s.Functions))
	}
	api := functionWith(t, s, func(f *Function) bool { return f.Env["JOBS_PROCESSOR_FUNCTION_NAME"] != "" }, "told the processor's name")
	processor, ok := s.Function(api.Env["JOBS_PROCESSOR_FUNCTION_NAME"])
	if !ok {
		t.Fatalf("JOBS_PROCESSOR_FUNCTION_NAME %q names no function", api.Env["JOBS_PROCESSOR_FUNCTION_NAME"])
	}
	if processor.Async.OnFailure.Function == "" {
		t.Fatalf("the processor's failures go to %+v, want a function", processor.Async.OnFailure)
	}
	errorHandler, _ := s.Function(processor.Async.OnFailure.Function)
	bus, ok := s.Bus(errorHandler.Async.OnFailure.Bus)
	if !ok {
		t.Fatalf("the error handler's failures go to %+v, want a bus", errorHandler.Async.OnFailure)
	}
	for _, f := range []*Function{processor, errorHandler} {
		if f.Async.MaxRetries != 0 || f.Async.MaxEventAge != 6*time.Hour {
			t.Errorf("%s: async %+v, want 0 retries and 6 h", f.LogicalID, f.Async)
		}
	}
	if api.Timeout != 29*time.Second || api.MemoryMB != 512 || processor.Timeout != 6*time.Minute || errorHandler.Timeout != 30*time.Second {
		t.Errorf("timeouts/memory: api %v/%d, processor %v, error handler %v", api.Timeout, api.MemoryMB, processor.Timeout, errorHandler.Timeout)
	}
	if processor.ReservedConcurrency != nil {
		t.Errorf("the processor reserves %d with the parameter's default, want none (Fn::If → AWS::NoValue)", *processor.ReservedConcurrency)
	}
	for _, f := range s.Functions {
		if f.Env["JOBS_TABLE_NAME"] != s.Table.Name {
			t.Errorf("%s: JOBS_TABLE_NAME %q, the table is %q", f.LogicalID, f.Env["JOBS_TABLE_NAME"], s.Table.Name)
		}
		if f.Env["JOBS_EVENTS_HTTP_ENDPOINT"] != s.Events.HTTPEndpoint || s.Events.HTTPEndpoint != "https://127.0.0.1:8443/event" {
			t.Errorf("%s: JOBS_EVENTS_HTTP_ENDPOINT %q, the local endpoint is %q", f.LogicalID, f.Env["JOBS_EVENTS_HTTP_ENDPOINT"], s.Events.HTTPEndpoint)
		}
		if !strings.HasPrefix(f.Arn, "arn:aws:lambda:us-east-1:000000000000:function:") {
			t.Errorf("%s: ARN %s", f.LogicalID, f.Arn)
		}
	}
	if api.Env["JOBS_EVENTS_REALTIME_ENDPOINT"] != "wss://127.0.0.1:8443/event/realtime" {
		t.Errorf("JOBS_EVENTS_REALTIME_ENDPOINT %q", api.Env["JOBS_EVENTS_REALTIME_ENDPOINT"])
	}
	if role := api.Env["JOBS_INVOKE_ROLE_ARN"]; !strings.HasPrefix(role, "arn:aws:iam::000000000000:role/") {
		t.Errorf("JOBS_INVOKE_ROLE_ARN %q, want a role of the local account", role)
	}
	if len(bus.Archives) != 1 || len(bus.Rules) != 1 {
		t.Fatalf("bus %s: %d archives and %d rules, want 1 and 1", bus.Name, len(bus.Archives), len(bus.Rules))
	}
	rule := bus.Rules[0]
	if !rule.Enabled || len(rule.Targets) != 1 || rule.Targets[0].Function != errorHandler.LogicalID || rule.Targets[0].InputPath != "$.detail" {
		t.Errorf("the bus's rule: %+v, want the error handler with $.detail", rule)
	}
	if !strings.Contains(string(rule.Pattern), `"replay-name"`) {
		t.Errorf("the re-drive rule's pattern %s does not select replayed events", rule.Pattern)
	}
}

func TestReservedConcurrencyFollowsTheParameter(t *testing.T) {
	t.Parallel()
	dir, _ := assembly(t)
	sf, err := OnlyStack(dir)
	if err != nil {
		t.Fatal(err)
	}
	withParam := local
	withParam.Parameters = map[string]string{"ProcessorReservedConcurrency": "3"}
	s, err := Load(sf, withParam)
	if err != nil {
		t.Fatal(err)
	}
	var reserved []int
	for _, f := range s.Functions {
		if f.ReservedConcurrency != nil {
			reserved = append(reserved, *f.ReservedConcurrency)
		}
	}
	if !slices.Equal(reserved, []int{3}) {
		t.Errorf("reserved concurrency %v, want one function with 3", reserved)
	}
}

func TestBootstrapsNameTheirMainPackages(t *testing.T) {
	t.Parallel()
	s, fresh := load(t)
	if !fresh {
		t.Skip("the testdata copy has no assets: run make infra-test to synthesize the stack")
	}
	var pkgs []string
	for _, f := range s.Functions {
		pkg, err := f.MainPackage()
		if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, pkg)
	}
	slices.Sort(pkgs)
	want := []string{
		"github.com/asyncjobs/asyncjobs/cmd/api-lambda",
		"github.com/asyncjobs/asyncjobs/cmd/errorhandler-lambda",
		"github.com/asyncjobs/asyncjobs/cmd/processor-lambda",
	}
	if !slices.Equal(pkgs, want) {
		t.Errorf("main packages %v, want %v", pkgs, want)
	}
}

func TestTableAPIAndEvents(t *testing.T) {
	t.Parallel()
	s, _ := load(t)
	if !slices.Equal(s.Table.Keys, []Key{{"id", "HASH"}}) || !slices.Equal(s.Table.Attributes, []Attribute{{"id", "S"}, {"owner", "S"}, {"listKey", "S"}}) ||
		s.Table.TTLAttribute != "expiresAt" {
		t.Errorf("table %+v", s.Table)
	}
	if len(s.Table.Indexes) != 1 || s.Table.Indexes[0].Name != "byOwner" || s.Table.Indexes[0].Projection != "ALL" ||
		!slices.Equal(s.Table.Indexes[0].Keys, []Key{{"owner", "HASH"}, {"listKey", "RANGE"}}) {
		t.Errorf("table indexes %+v, want byOwner on owner and listKey, ALL", s.Table.Indexes)
	}
	if s.API.Stage != "prod" {
		t.Errorf("stage %q, want prod", s.API.Stage)
	}
	api := functionWith(t, s, func(f *Function) bool { return f.Env["JOBS_PROCESSOR_FUNCTION_NAME"] != "" }, "told the processor's name")
	var jobRoutes []string
	for _, r := range s.API.Routes {
		if !r.Proxy || r.Function != api.LogicalID {
			t.Errorf("route %+v: want a proxy integration of %s", r, api.LogicalID)
		}
		if strings.HasPrefix(r.Path, "/jobs") {
			jobRoutes = append(jobRoutes, r.Method+" "+r.Path+" "+r.Auth)
		}
	}
	if want := []string{"GET /jobs AWS_IAM", "POST /jobs AWS_IAM", "DELETE /jobs/{id} AWS_IAM", "GET /jobs/{id} AWS_IAM"}; !slices.Equal(jobRoutes, want) {
		t.Errorf("job routes %q, want %q", jobRoutes, want)
	}
	missing, ok := s.API.GatewayResponses["MISSING_AUTHENTICATION_TOKEN"]
	if !ok || missing.Status != 403 || missing.Headers["Content-Type"] != "application/problem+json" || !strings.Contains(missing.Body, `"status":403`) {
		t.Errorf("MISSING_AUTHENTICATION_TOKEN response %+v", missing)
	}
	ev := s.Events
	if !slices.Equal(ev.ConnectionAuth, []string{"API_KEY", "AWS_IAM"}) || !ev.HasAPIKey || len(ev.Namespaces) != 1 {
		t.Fatalf("events API %+v", ev)
	}
	ns := ev.Namespaces[0]
	if ns.Name != "jobs" || !slices.Equal(ns.PublishAuth, []string{"AWS_IAM"}) || !slices.Equal(ns.SubscribeAuth, []string{"API_KEY", "AWS_IAM"}) || !strings.Contains(ns.CodeHandlers, "onSubscribe") {
		t.Errorf("namespace %+v", ns)
	}
}

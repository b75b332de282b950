package awsstack

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// API is the stack's REST API (API Gateway) with one stage.
type API struct {
	LogicalID string
	Name      string
	Stage     string
	Routes    []Route // sorted by path, then method
	// GatewayResponses are the API's customized answers by response type
	// (MISSING_AUTHENTICATION_TOKEN, ACCESS_DENIED, …).
	GatewayResponses map[string]GatewayResponse
}

// Route is one method of one resource.
type Route struct {
	Method   string // GET, POST, … or ANY
	Path     string // the resource path: /jobs/{id}
	Auth     string // AuthorizationType: AWS_IAM, NONE, …
	Proxy    bool   // a Lambda proxy integration (AWS_PROXY)
	Function string // the logical id of the function it invokes
}

// GatewayResponse is a customized API Gateway answer.
type GatewayResponse struct {
	Status  int
	Headers map[string]string // header values without their quotes
	Body    string            // the application/json template
}

func (s *Stack) readAPI(r *resolver, _ string) error {
	apis := r.t.ofType(typeRestAPI)
	if len(apis) != 1 {
		return fmt.Errorf("%d REST APIs (%s), want one", len(apis), typeRestAPI)
	}
	id := apis[0]
	props, err := r.properties(id, "Name")
	if err != nil {
		return err
	}
	s.API = API{LogicalID: id, Name: str(props, "Name"), GatewayResponses: map[string]GatewayResponse{}}
	for _, stageID := range r.t.ofType(typeAPIStage) {
		if apiOf(r, stageID) == id {
			stage, _ := r.ref(stageID)
			s.API.Stage, _ = stage.(string)
		}
	}
	if s.API.Stage == "" {
		return fmt.Errorf("REST API %s has no stage", id)
	}
	if err := s.readRoutes(r, id); err != nil {
		return err
	}
	return s.readGatewayResponses(r, id)
}

// apiOf is the logical id of the REST API that resource id belongs to.
func apiOf(r *resolver, id string) string {
	api, _ := target(r.t.Resources[id].Properties["RestApiId"])
	return api
}

func (s *Stack) readRoutes(r *resolver, api string) error {
	for _, id := range r.t.ofType(typeAPIMethod) {
		if apiOf(r, id) != api {
			continue
		}
		raw := r.t.Resources[id].Properties
		path, err := resourcePath(r, raw["ResourceId"])
		if err != nil {
			return fmt.Errorf("method %s: %w", id, err)
		}
		props, err := r.properties(id, "HttpMethod", "AuthorizationType")
		if err != nil {
			return err
		}
		integration, _ := raw["Integration"].(map[string]any)
		route := Route{
			Method: str(props, "HttpMethod"), Path: path, Auth: str(props, "AuthorizationType"),
			Proxy:    integration["Type"] == "AWS_PROXY",
			Function: functionIn(r, integration["Uri"]),
		}
		if route.Function == "" {
			return fmt.Errorf("method %s %s: its integration invokes no function of the stack", route.Method, route.Path)
		}
		if checksBodies(r, raw) {
			return fmt.Errorf("method %s %s: its request validator checks bodies, which is not emulated here (the stack's functions validate every body)", route.Method, route.Path)
		}
		s.API.Routes = append(s.API.Routes, route)
	}
	slices.SortFunc(s.API.Routes, func(a, b Route) int {
		return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})
	if len(s.API.Routes) == 0 {
		return fmt.Errorf("REST API %s has no methods", api)
	}
	return nil
}

// checksBodies says whether a method's request validator checks bodies.
func checksBodies(r *resolver, method map[string]any) bool {
	validatorID, ok := target(method["RequestValidatorId"])
	if !ok {
		return false
	}
	validate, _ := r.t.Resources[validatorID].Properties["ValidateRequestBody"].(bool)
	return validate
}

// resourcePath follows a method's ResourceId up the resources' ParentIds to
// the API's root.
func resourcePath(r *resolver, ref any) (string, error) {
	var parts []string
	for range 64 {
		if m, ok := ref.(map[string]any); ok {
			if _, root := m["Fn::GetAtt"]; root {
				slices.Reverse(parts)
				return "/" + strings.Join(parts, "/"), nil
			}
		}
		id, ok := target(ref)
		if !ok || r.t.Resources[id].Type != typeAPIResource {
			return "", fmt.Errorf("resource %v is not an API resource of the stack", ref)
		}
		props := r.t.Resources[id].Properties
		part, _ := props["PathPart"].(string)
		parts = append(parts, part)
		ref = props["ParentId"]
	}
	return "", fmt.Errorf("resource %v is nested too deep", ref)
}

// functionIn returns the logical id of the function an integration URI
// names with Fn::GetAtt <function>.Arn, or "".
func functionIn(r *resolver, v any) string {
	switch v := v.(type) {
	case map[string]any:
		if id, ok := target(v); ok && r.t.Resources[id].Type == typeFunction {
			return id
		}
		for _, e := range v {
			if id := functionIn(r, e); id != "" {
				return id
			}
		}
	case []any:
		for _, e := range v {
			if id := functionIn(r, e); id != "" {
				return id
			}
		}
	}
	return ""
}

func (s *Stack) readGatewayResponses(r *resolver, api string) error {
	for _, id := range r.t.ofType(typeGatewayResponse) {
		if apiOf(r, id) != api {
			continue
		}
		props, err := r.properties(id, "StatusCode", "ResponseTemplates", "ResponseParameters", "ResponseType")
		if err != nil {
			return err
		}
		status, err := strconv.Atoi(str(props, "StatusCode"))
		if err != nil {
			return fmt.Errorf("gateway response %s: status %q", id, str(props, "StatusCode"))
		}
		resp := GatewayResponse{Status: status, Headers: map[string]string{}, Body: str(object(props, "ResponseTemplates"), "application/json")}
		for k, v := range object(props, "ResponseParameters") {
			if name, ok := strings.CutPrefix(k, "gatewayresponse.header."); ok {
				value, _ := v.(string)
				resp.Headers[name] = strings.Trim(value, "'")
			}
		}
		s.API.GatewayResponses[str(props, "ResponseType")] = resp
	}
	return nil
}

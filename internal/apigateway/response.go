package apigateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/asyncjobs/asyncjobs/internal/awsstack"
)

// proxy invokes the route's function with event and writes its answer.
func (g *Gateway) proxy(ctx context.Context, w http.ResponseWriter, rt *route, event events.APIGatewayProxyRequest, requestID string) {
	payload, err := json.Marshal(event)
	if err != nil {
		g.cfg.Logger.Error("encode the proxy event", "requestId", requestID, "err", err)
		g.gatewayResponse(w, "DEFAULT_5XX", "Internal server error")
		return
	}
	out, err := rt.invoke(ctx, payload)
	var fnErr interface{ ErrorType() string }
	switch {
	case errors.As(err, &fnErr) && fnErr.ErrorType() == "Sandbox.Timedout":
		g.cfg.Logger.Warn("the function timed out", "requestId", requestID, "function", rt.Function)
		g.gatewayResponse(w, "INTEGRATION_TIMEOUT", "Endpoint request timed out")
		return
	case err != nil:
		g.cfg.Logger.Warn("the function failed", "requestId", requestID, "function", rt.Function, "err", err)
		g.gatewayResponse(w, "INTEGRATION_FAILURE", "Internal server error")
		return
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		g.cfg.Logger.Warn("malformed Lambda proxy response", "requestId", requestID, "function", rt.Function, "response", string(out))
		g.gatewayResponse(w, "INTEGRATION_FAILURE", "Internal server error")
		return
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			g.cfg.Logger.Warn("a base64 body that is not base64", "requestId", requestID, "function", rt.Function)
			g.gatewayResponse(w, "INTEGRATION_FAILURE", "Internal server error")
			return
		}
	}
	// API Gateway merges both maps; multiValueHeaders wins for a name in both.
	for name, value := range resp.Headers {
		w.Header().Set(name, value)
	}
	for name, values := range resp.MultiValueHeaders {
		w.Header().Del(name)
		for _, v := range values {
			w.Header().Add(name, v)
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// gatewayResponse writes API Gateway's own answer of responseType: the
// template's customized one, else API Gateway's default {"message": …}.
func (g *Gateway) gatewayResponse(w http.ResponseWriter, responseType, message string) {
	resp, ok := g.cfg.API.GatewayResponses[responseType]
	if !ok {
		resp = defaultResponse(responseType)
	}
	for name, value := range resp.Headers {
		w.Header().Set(name, value)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("X-Amzn-Errortype", errorTypeHeader(responseType))
	w.WriteHeader(resp.Status)
	quoted, _ := json.Marshal(message)
	body := strings.NewReplacer("$context.error.messageString", string(quoted), "$context.error.message", message).Replace(resp.Body)
	w.Write([]byte(body))
}

func defaultResponse(responseType string) awsstack.GatewayResponse {
	status := map[string]int{
		"MISSING_AUTHENTICATION_TOKEN": 403, "INVALID_SIGNATURE": 403, "EXPIRED_TOKEN": 403, "ACCESS_DENIED": 403,
		"BAD_REQUEST_BODY": 400, "REQUEST_TOO_LARGE": 413, "INTEGRATION_TIMEOUT": 504, "INTEGRATION_FAILURE": 502,
	}[responseType]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	return awsstack.GatewayResponse{Status: status, Body: `{"message":$context.error.messageString}`}
}

// errorTypeHeader is x-amzn-ErrorType's value for responseType.
func errorTypeHeader(responseType string) string {
	switch responseType {
	case "MISSING_AUTHENTICATION_TOKEN":
		return "MissingAuthenticationTokenException"
	case "INVALID_SIGNATURE", "EXPIRED_TOKEN", "ACCESS_DENIED":
		return "ForbiddenException"
	case "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "DEFAULT_5XX":
		return "InternalServerErrorException"
	}
	return "BadRequestException"
}

package lambdainvoker

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/asyncjobs/asyncjobs/jobs"
)

// throttleCodes are the error codes with which AWS says "slow down".
var throttleCodes = map[string]bool{
	"TooManyRequestsException": true,
	"ThrottlingException":      true,
	"Throttling":               true,
	"ThrottledException":       true,
	"RequestThrottled":         true,
	"RequestLimitExceeded":     true,
}

// domainError is the one place that reads Lambda's errors: throttling is
// jobs.ErrOverloaded (the client is told to retry later); a Lambda that
// failed (HTTP 5xx) or could not be reached is jobs.ErrUnavailable. Anything
// else (an unknown function, missing permission, a cancelled call) is
// returned as it is.
func domainError(err error) error {
	var (
		tooMany *types.TooManyRequestsException
		apiErr  smithy.APIError
		resp    *awshttp.ResponseError
		send    *smithyhttp.RequestSendError
	)
	switch {
	case errors.As(err, &tooMany),
		errors.As(err, &apiErr) && throttleCodes[apiErr.ErrorCode()],
		errors.As(err, &resp) && resp.HTTPStatusCode() == http.StatusTooManyRequests:
		return fmt.Errorf("%w: %w", jobs.ErrOverloaded, err)
	case errors.As(err, &resp) && resp.HTTPStatusCode() >= http.StatusInternalServerError,
		errors.As(err, &send) && !errors.Is(err, context.Canceled):
		return fmt.Errorf("%w: %w", jobs.ErrUnavailable, err)
	}
	return err
}

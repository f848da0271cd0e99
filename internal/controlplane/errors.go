package controlplane

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/mskvpce/mskvpce/internal/finding"
)

// apiError is a failed AWS call, kept with what was called so the finding
// can name the permission it needs.
type apiError struct {
	Op       string // e.g. DescribeTargetHealth
	Action   string // IAM action, e.g. elasticloadbalancing:DescribeTargetHealth
	Resource string // what it was called on
	Err      error
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s on %s: %v", e.Op, e.Resource, e.Err)
}

func (e *apiError) Unwrap() error { return e.Err }

func wrapAPI(op, action, resource string, err error) error {
	if err == nil {
		return nil
	}
	return &apiError{Op: op, Action: action, Resource: resource, Err: err}
}

// accessDeniedCodes are the codes AWS services use for a missing IAM permission.
var accessDeniedCodes = map[string]bool{
	"AccessDenied":          true,
	"AccessDeniedException": true,
	"UnauthorizedOperation": true,
	"ForbiddenException":    true,
	"UnauthorizedException": true,
}

// notFoundCodes mean the resource named in the Terraform outputs is gone.
var notFoundCodes = map[string]bool{
	"NotFoundException":                    true,
	"TargetGroupNotFound":                  true,
	"LoadBalancerNotFound":                 true,
	"InvalidVpcEndpointServiceId.NotFound": true,
	"InvalidGroup.NotFound":                true,
	"NoSuchEntity":                         true,
}

// failedCall turns an AWS call error into the failed finding of the check
// that needed it: what was called, on what, the service's answer, and what
// to do (grant the permission, re-apply a deleted resource, or retry).
func failedCall(region string, err error) finding.Finding {
	var ae *apiError
	if !errors.As(err, &ae) {
		return fail(err.Error(), "re-run; if it persists, check credentials and the network path to the AWS APIs")
	}
	var sErr smithy.APIError
	switch {
	case errors.As(err, &sErr) && accessDeniedCodes[sErr.ErrorCode()]:
		return fail(fmt.Sprintf("%s on %s: %s: %s", ae.Op, ae.Resource, sErr.ErrorCode(), sErr.ErrorMessage()),
			fmt.Sprintf("grant the caller IAM permission %s (the control-plane checks need only read-only actions; see docs/operate.md \"Control-plane checks\"), or leave this check out with --checks", ae.Action))
	case errors.As(err, &sErr) && notFoundCodes[sErr.ErrorCode()]:
		return fail(fmt.Sprintf("%s on %s: %s: %s", ae.Op, ae.Resource, sErr.ErrorCode(), sErr.ErrorMessage()),
			fmt.Sprintf("%s from the Terraform outputs no longer exists in %s: run `terraform plan` to see the drift and `terraform apply` to recreate it (are the outputs from this region and account?)", ae.Resource, region))
	case errors.As(err, &sErr):
		return fail(fmt.Sprintf("%s on %s: %s: %s", ae.Op, ae.Resource, sErr.ErrorCode(), sErr.ErrorMessage()),
			fmt.Sprintf("re-run; if it persists, check the region (%s) and that the caller may call %s", region, ae.Action))
	case errors.Is(err, context.DeadlineExceeded):
		return fail(fmt.Sprintf("%s on %s: no answer in time", ae.Op, ae.Resource),
			fmt.Sprintf("check the network path to the %s API endpoint in %s (proxy, VPC endpoint, firewall) and re-run, or raise the timeout", serviceOf(ae.Action), region))
	case errors.Is(err, context.Canceled):
		return fail(fmt.Sprintf("%s on %s: cancelled", ae.Op, ae.Resource), "re-run without interrupting")
	default:
		return fail(fmt.Sprintf("%s on %s: %v", ae.Op, ae.Resource, ae.Err),
			fmt.Sprintf("check credentials (`aws sts get-caller-identity`), the region (%s) and the network path to the AWS APIs; the caller needs %s", region, ae.Action))
	}
}

func serviceOf(action string) string {
	if i := strings.IndexByte(action, ':'); i > 0 {
		return action[:i]
	}
	return action
}

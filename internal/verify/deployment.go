package verify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// Defaults shared by every front door (cmd/verify, deploy verify, the Lambda).
const (
	DefaultTimeout      = 30 * time.Second
	DefaultStageTimeout = 10 * time.Second
	// credentialsTimeout bounds the credentials pre-check and the role
	// assumption: an SSO or IMDS chain that hangs must not eat the run.
	credentialsTimeout = 10 * time.Second
	// SessionName is the STS session name of an assumed Databricks role.
	SessionName = "mskvpce-verify"
)

// InputError is bad input or configuration (exit 2 in every CLI): the
// message names the input and the fix.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, a ...any) error { return &InputError{fmt.Sprintf(format, a...)} }

// Request is one verification of a deployment: the one entry point behind
// `verify`, `deploy verify` and the remote (Lambda) runner.
type Request struct {
	// Target is what to dial. Target.Credentials, when set (the local
	// environment), sign the data path as is and skip the AWS identity below.
	Target Target
	// Endpoints override brokers' endpoints ("advertised=endpoint", matched
	// by broker id), e.g. through a tunnel.
	Endpoints []string
	// AWS is the caller's configuration: it runs the control-plane checks and
	// is the base identity that assumes RoleARN. Its credentials are checked
	// before anything is dialed.
	AWS aws.Config
	// RoleARN, when set, is assumed (with ExternalID) for the data path the
	// way a Databricks service credential assumes it.
	RoleARN, ExternalID string
	// STSOptions adjusts the STS client that assumes RoleARN, after the
	// SDK has resolved its endpoint from AWS (whose BaseEndpoint or
	// AWS_ENDPOINT_URL_STS a caller may set): the canary pins the regional
	// endpoint with it.
	STSOptions func(*sts.Options)
	// Data runs the broker paths; without it the report holds checks only.
	Data bool
	// Deployment and ControlPlane: run these control-plane check ids
	// (controlplane.AllChecks for all) against the deployment, with
	// RunControlPlane: the front doors that offer them pass
	// controlplane.Checker. verify does not import package controlplane, so
	// the Lambda, which runs the data path only, links none of the EC2,
	// ELBv2, IAM and MSK API clients (a third of its binary, and a minute
	// of its cold build on 2 cores).
	Deployment      *tfoutputs.Deployment
	ControlPlane    []string
	RunControlPlane ControlPlaneFunc
	// Checks are results the caller already has (e.g. deploy's drift plan).
	Checks  []finding.Finding
	Options Options
}

// ControlPlaneFunc runs control-plane check ids against a deployment with the
// identity of cfg, each AWS call bounded by callTimeout and all of them by
// timeout: controlplane.Checker.
type ControlPlaneFunc func(ctx context.Context, cfg aws.Config, d tfoutputs.Deployment, checks []string, callTimeout, timeout time.Duration, logger *slog.Logger) []finding.Finding

// Verify runs a Request. An error is bad input or configuration (an
// *InputError) found before any broker was dialed; a failed check is a
// Report with Passed=false.
func Verify(ctx context.Context, r Request) (*Report, error) {
	start := time.Now()
	o := r.Options.withDefaults()
	t := r.Target
	if err := ApplyEndpoints(&t, r.Endpoints); err != nil {
		return nil, err
	}
	// The same rules for every front door: --endpoint, --tf-outputs,
	// deploy's outputs and the remote runner's event.
	if err := t.Validate(); err != nil {
		return nil, inputErrorf("broker map: %v", err)
	}
	if err := ValidateRunID(o.RunID); err != nil {
		return nil, inputErrorf("--run-id: %v", err)
	}
	if len(r.ControlPlane) > 0 && r.Deployment == nil {
		return nil, inputErrorf("control-plane checks need the deployment's Terraform outputs")
	}
	if len(r.ControlPlane) > 0 {
		var missing []string
		for _, b := range r.Deployment.Brokers {
			if b.NLBARN == "" {
				missing = append(missing, fmt.Sprintf("broker %d nlb_arn", b.ID))
			}
			if b.TargetGroupARN == "" {
				missing = append(missing, fmt.Sprintf("broker %d target_group_arn", b.ID))
			}
		}
		if len(missing) > 0 {
			return nil, inputErrorf("control-plane checks need every broker's nlb_arn and target_group_arn; the outputs lack %s: pass the full `terraform output -json` of the module, or --checks data", strings.Join(missing, ", "))
		}
	}
	if len(r.ControlPlane) > 0 && r.RunControlPlane == nil {
		return nil, errors.New("verify: Request.ControlPlane is set without RunControlPlane (controlplane.Checker)")
	}
	needAWS := len(r.ControlPlane) > 0 || (r.Data && t.Credentials == nil)
	if needAWS {
		if err := checkCredentials(ctx, r.AWS); err != nil {
			return nil, err
		}
	}
	var clock []finding.Finding
	if r.Data && t.Credentials == nil {
		creds, skew, err := dataCredentials(ctx, r)
		if err != nil {
			return nil, err
		}
		t.Credentials = creds
		clock = skew
	}

	cp := make(chan []finding.Finding, 1)
	if len(r.ControlPlane) > 0 {
		go func() {
			cp <- r.RunControlPlane(ctx, r.AWS, *r.Deployment, r.ControlPlane, o.StageTimeout, o.Timeout, o.Logger.With("component", "controlplane"))
		}()
	} else {
		cp <- nil
	}
	var rep *Report
	if r.Data {
		rep = Run(ctx, t, o)
	} else {
		rep = NewChecksReport(o.RunID, t.Region)
	}
	rep.AddChecks(clock...)
	rep.AddChecks(r.Checks...)
	rep.AddChecks(<-cp...)
	rep.Millis = time.Since(start).Milliseconds()
	return rep, nil
}

// ApplyEndpoints replaces the endpoint of each broker named in overrides
// ("advertised=endpoint"); a broker the target does not have is an error.
func ApplyEndpoints(t *Target, overrides []string) error {
	for _, e := range overrides {
		p, err := ParseEndpoint(e)
		if err != nil {
			return inputErrorf("--endpoint: %v", err)
		}
		found := false
		for i := range t.Paths {
			if t.Paths[i].BrokerID == p.BrokerID {
				t.Paths[i].Endpoint, found = p.Endpoint, true
			}
		}
		if !found {
			return inputErrorf("--endpoint %s: the deployment has no broker %d: list the brokers with `terraform output -json` (broker_nodes)", e, p.BrokerID)
		}
	}
	return nil
}

// checkCredentials makes sure the default chain yields credentials before
// anything is dialed, so "no credentials" is reported as such and not as a
// SASL or control-plane failure on every path.
func checkCredentials(ctx context.Context, cfg aws.Config) error {
	if cfg.Credentials == nil {
		return inputErrorf("AWS credentials: none configured: set AWS_PROFILE or pass --profile, export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`")
	}
	cctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(cctx); err != nil {
		return inputErrorf("AWS credentials: none found by the SDK default chain (%v): set AWS_PROFILE or pass --profile, export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`", err)
	}
	return nil
}

// dataCredentials sign the data path's IAM tokens: the caller's own, or
// RoleARN assumed once up front (with ExternalID) so that a trust-policy
// problem is reported as such, not as a SASL failure on every path. STS's
// Date header tells this machine's clock skew on the way: beyond MSK's
// window it comes back as a failing clock check (or in the error, when
// STS itself refused the skewed request).
func dataCredentials(ctx context.Context, r Request) (aws.CredentialsProvider, []finding.Finding, error) {
	if r.RoleARN == "" {
		if r.ExternalID != "" {
			return nil, nil, inputErrorf("--external-id without --role-arn: pass the role to assume")
		}
		return r.AWS.Credentials, nil, nil
	}
	cfg := r.AWS.Copy()
	if cfg.Region == "" {
		cfg.Region = r.Target.Region
	}
	clock := &awsClock{}
	client := sts.NewFromConfig(cfg, func(so *sts.Options) {
		if r.STSOptions != nil {
			r.STSOptions(so)
		}
		clock.base = so.HTTPClient
		so.HTTPClient = clock
	})
	creds := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, r.RoleARN, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = SessionName
		if r.ExternalID != "" {
			ao.ExternalID = aws.String(r.ExternalID)
		}
	}))
	cctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	if _, err := creds.Retrieve(cctx); err != nil {
		if off, skewed := clock.skew(); skewed {
			f := awsClockFinding(off, "STS")
			return nil, nil, inputErrorf("assuming %s: %v: %s; %s", r.RoleARN, err, f.Detail, f.NextStep)
		}
		var hint string
		if r.ExternalID == "" {
			hint = " (no external ID given: a role that trusts Databricks needs --external-id)"
		}
		return nil, nil, inputErrorf("assuming %s: %v%s: check that the role's trust policy admits this identity and that the external ID matches", r.RoleARN, err, hint)
	}
	if off, skewed := clock.skew(); skewed {
		return creds, []finding.Finding{awsClockFinding(off, "STS")}, nil
	}
	return creds, nil, nil
}

// IsInputError reports whether err is bad input or configuration.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}

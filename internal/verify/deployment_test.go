package verify_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/tfoutputs"
	"github.com/mskvpce/mskvpce/internal/verify"
)

func deploymentTarget() verify.Target {
	return verify.Target{Region: "us-east-1", Paths: []verify.Path{
		{BrokerID: 1, Advertised: "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098", Endpoint: "nlb-1.example:9098"},
		{BrokerID: 2, Advertised: "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098", Endpoint: "nlb-2.example:9098"},
	}}
}

// TestVerifyRefusesBadRequests: every front door gets the same input
// errors, before anything is dialed.
func TestVerifyRefusesBadRequests(t *testing.T) {
	t.Parallel()
	noCreds := aws.Config{Region: "us-east-1", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("no EC2 IMDS role found")
	})}
	cases := []struct {
		name string
		req  verify.Request
		want []string
	}{
		{"override of a broker the deployment lacks", verify.Request{Target: deploymentTarget(), Data: true,
			Endpoints: []string{"b-7.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=localhost:1"}}, []string{"no broker 7"}},
		{"override not a mapping", verify.Request{Target: deploymentTarget(), Data: true, Endpoints: []string{"nlb-1:9098"}}, []string{"--endpoint", "advertised-host:port=endpoint-host:port"}},
		{"no credentials", verify.Request{Target: deploymentTarget(), Data: true, AWS: noCreds}, []string{"AWS credentials", "no EC2 IMDS role found", "aws sso login"}},
		{"no credentials configured", verify.Request{Target: deploymentTarget(), Data: true}, []string{"AWS credentials: none configured"}},
		{"remote event with a non-MSK hostname", verify.Request{Target: verify.Target{Region: "us-east-1", Paths: []verify.Path{{BrokerID: 1, Advertised: "kafka.example.com:9098", Endpoint: "nlb:9098"}}}, Data: true}, []string{"broker map", "not an MSK broker hostname"}},
		{"endpoint carrying two ports", verify.Request{Target: verify.Target{Region: "us-east-1", Paths: []verify.Path{{BrokerID: 1, Advertised: "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098", Endpoint: "[nlb:9098]:9098"}}}, Data: true}, []string{"carries a port"}},
		{"control plane without outputs", verify.Request{Target: deploymentTarget(), ControlPlane: []string{"listener"}, RunControlPlane: neverRun(t)}, []string{"Terraform outputs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rep, err := verify.Verify(context.Background(), c.req)
			if rep != nil || !verify.IsInputError(err) {
				t.Fatalf("Verify = %v, %v; want an input error", rep, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// neverRun is a RunControlPlane that fails the test if Verify calls it.
func neverRun(t *testing.T) verify.ControlPlaneFunc {
	return func(context.Context, aws.Config, tfoutputs.Deployment, []string, time.Duration, time.Duration, *slog.Logger) []finding.Finding {
		t.Error("RunControlPlane called for a request refused as input")
		return nil
	}
}

// Control-plane checks without a runner are the caller's bug, not the
// operator's input: an error that names the field, not exit 2.
func TestVerifyControlPlaneNeedsARunner(t *testing.T) {
	t.Parallel()
	d := tfoutputs.Deployment{Brokers: []tfoutputs.Broker{{ID: 1, NLBARN: "arn:nlb", TargetGroupARN: "arn:tg"}}}
	rep, err := verify.Verify(context.Background(), verify.Request{Target: deploymentTarget(), Deployment: &d, ControlPlane: []string{"listener"}})
	if rep != nil || err == nil || verify.IsInputError(err) || !strings.Contains(err.Error(), "RunControlPlane") {
		t.Fatalf("Verify = %v, %v; want a non-input error naming RunControlPlane", rep, err)
	}
}

func TestApplyEndpointsOverridesByBrokerID(t *testing.T) {
	t.Parallel()
	tg := deploymentTarget()
	if err := verify.ApplyEndpoints(&tg, []string{"b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098=localhost:19098"}); err != nil {
		t.Fatal(err)
	}
	if tg.Paths[0].Endpoint != "nlb-1.example:9098" || tg.Paths[1].Endpoint != "localhost:19098" {
		t.Errorf("paths after override: %+v", tg.Paths)
	}
}

// Package remoteverify runs the verifier as a remote function: an Event in,
// a verify.Report out. The verify canary (terraform/modules/verify-canary,
// which the nightly e2e deploys too) runs it as a Lambda inside a
// Databricks-like consumer VPC, where it reaches each broker exactly as
// Databricks serverless does: by the broker's own hostname, resolved by a
// private hosted zone to that broker's interface endpoint, with credentials
// from assuming the Databricks role with the external ID. The local e2e flow
// calls the same Handle in process.
package remoteverify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// Broker is one broker path as the consumer sees it.
type Broker struct {
	ID int `json:"broker_id"`
	// Advertised is the broker's host:9098 as Kafka metadata returns it.
	Advertised string `json:"advertised"`
	// Endpoint is where to dial for it. Empty means the advertised address
	// itself, which is what a consumer with NCC-style DNS does.
	Endpoint string `json:"endpoint,omitempty"`
}

// Event is the function's input.
type Event struct {
	Region    string   `json:"region"`
	Bootstrap []string `json:"bootstrap"`
	Brokers   []Broker `json:"brokers"`
	Topic     string   `json:"topic,omitempty"`
	// RoleARN and ExternalID: assume the Databricks role as Databricks does.
	RoleARN    string `json:"role_arn"`
	ExternalID string `json:"external_id"`
	// CAPEM pins the broker CA (local runs); empty means the system roots,
	// which trust MSK's certificates.
	CAPEM string `json:"ca_pem,omitempty"`
	// STSEndpoint overrides the STS endpoint (local runs against a fake STS).
	STSEndpoint    string `json:"sts_endpoint,omitempty"`
	TimeoutSeconds int    `json:"timeout_seconds,omitempty"`
	// SASLMechanism: aws-msk-iam (default, as Databricks), oauthbearer or both.
	SASLMechanism string `json:"sasl_mechanism,omitempty"`
}

// Validate names the first field that makes the event unusable.
func (e Event) Validate() error {
	var errs []error
	if e.Region == "" {
		errs = append(errs, errors.New("event.region is empty"))
	}
	if len(e.Bootstrap) == 0 {
		errs = append(errs, errors.New("event.bootstrap is empty"))
	}
	if len(e.Brokers) == 0 {
		errs = append(errs, errors.New("event.brokers is empty"))
	}
	if e.RoleARN == "" || e.ExternalID == "" {
		errs = append(errs, errors.New("event.role_arn and event.external_id are required: the runner assumes the Databricks role exactly as Databricks does"))
	}
	return errors.Join(errs...)
}

// Handle assumes the role with base credentials and verifies every broker path.
// An error means the event or the role assumption was wrong; a failed path is
// a Report with Passed=false, not an error. Bad input (the event, the broker
// map, a refused role) is a *verify.InputError itself, not wrapped: the
// Lambda runtime reports an error's type name as errorType, so callers of
// the function (deploy verify --remote) can exit 2 as the local verifier does.
func Handle(ctx context.Context, ev Event, base aws.Config) (*verify.Report, error) {
	if err := ev.Validate(); err != nil {
		return nil, badInput("remoteverify: bad event: %v", err)
	}
	cfg := base.Copy()
	cfg.Region = ev.Region
	target := verify.Target{
		Region:    ev.Region,
		Bootstrap: ev.Bootstrap,
		Topic:     ev.Topic,
	}
	for _, b := range ev.Brokers {
		endpoint := b.Endpoint
		if endpoint == "" {
			endpoint = b.Advertised
		}
		target.Paths = append(target.Paths, verify.Path{BrokerID: b.ID, Advertised: b.Advertised, Endpoint: endpoint})
	}
	if strings.TrimSpace(ev.CAPEM) != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(ev.CAPEM)) {
			return nil, badInput("remoteverify: bad event: event.ca_pem holds no PEM certificate")
		}
		target.RootCAs = pool
	}
	mechs, err := verify.ParseMechanisms(ev.SASLMechanism)
	if err != nil {
		return nil, badInput("remoteverify: bad event: %v", err)
	}
	var timeout time.Duration // verify.DefaultTimeout
	if ev.TimeoutSeconds > 0 {
		timeout = time.Duration(ev.TimeoutSeconds) * time.Second
	}
	rep, err := verify.Verify(ctx, verify.Request{
		Target:      target,
		AWS:         cfg,
		RoleARN:     ev.RoleARN,
		ExternalID:  ev.ExternalID,
		STSEndpoint: ev.STSEndpoint,
		Data:        true,
		Options:     verify.Options{Timeout: timeout, Mechanisms: mechs, Remote: true},
	})
	if verify.IsInputError(err) {
		return nil, badInput("remoteverify: %v", err)
	}
	if err != nil {
		return nil, fmt.Errorf("remoteverify: %w", err)
	}
	return rep, nil
}

func badInput(format string, a ...any) error {
	return &verify.InputError{Msg: fmt.Sprintf(format, a...)}
}

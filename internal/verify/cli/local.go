package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// TargetFromLocal lives with the CLI, not in package verify, so that the
// production verifier (deploy, the Lambda) never links the test cluster.
// It maps every broker of the local MSK-like environment to its
// NLB stand-in, trusting the environment's CA and signing with its
// credentials.
func TargetFromLocal(i localmsk.Info) (verify.Target, error) {
	return TargetFromLocalContext(context.Background(), i)
}

// TargetFromLocalContext is TargetFromLocal returning when ctx ends (it
// reads the environment's CA file).
func TargetFromLocalContext(ctx context.Context, i localmsk.Info) (verify.Target, error) {
	if i.Version != 1 {
		return verify.Target{}, fmt.Errorf("local environment info: version %d, want 1: rebuild with the same checkout (go run ./cmd/localmsk)", i.Version)
	}
	t := verify.Target{
		Region:     i.Region,
		Topic:      i.VerificationTopic,
		ClusterARN: i.ClusterARN,
		Credentials: credentials.NewStaticCredentialsProvider(
			i.Credentials.AccessKeyID, i.Credentials.SecretAccessKey, i.Credentials.SessionToken),
	}
	for _, s := range strings.Split(i.BootstrapBrokersSASLIAM, ",") {
		if s = strings.TrimSpace(s); s != "" {
			t.Bootstrap = append(t.Bootstrap, s)
		}
	}
	for _, b := range i.Brokers {
		t.Paths = append(t.Paths, verify.Path{BrokerID: b.BrokerID, Advertised: b.Advertised(), Endpoint: b.Endpoint})
	}
	if i.CAFile == "" {
		return verify.Target{}, fmt.Errorf("local environment info: ca_file is empty")
	}
	pool, err := verify.LoadCAContext(ctx, i.CAFile)
	if err != nil {
		return verify.Target{}, fmt.Errorf("local environment info: %w", err)
	}
	t.RootCAs = pool
	if err := t.Validate(); err != nil {
		return verify.Target{}, fmt.Errorf("local environment info: %w", err)
	}
	return t, nil
}

package verify

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mskvpce/mskvpce/internal/localmsk"
)

// TargetFromLocal maps every broker of the local MSK-like environment to its
// NLB stand-in, trusting the environment's CA and signing with its
// credentials.
func TargetFromLocal(i localmsk.Info) (Target, error) {
	if i.Version != 1 {
		return Target{}, fmt.Errorf("local environment info: version %d, want 1: rebuild with the same checkout (go run ./cmd/localmsk)", i.Version)
	}
	t := Target{
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
		t.Paths = append(t.Paths, Path{BrokerID: b.BrokerID, Advertised: b.Advertised(), Endpoint: b.Endpoint})
	}
	if i.CAFile == "" {
		return Target{}, fmt.Errorf("local environment info: ca_file is empty")
	}
	pool, err := LoadCA(i.CAFile)
	if err != nil {
		return Target{}, fmt.Errorf("local environment info: %w", err)
	}
	t.RootCAs = pool
	if err := t.Validate(); err != nil {
		return Target{}, fmt.Errorf("local environment info: %w", err)
	}
	return t, nil
}

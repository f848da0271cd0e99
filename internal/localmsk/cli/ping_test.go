package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	saslaws "github.com/twmb/franz-go/pkg/sasl/aws"

	"github.com/mskvpce/mskvpce/internal/localmsk"
)

// ping reaches the environment as a client that read info.json would: each
// advertised broker through its NLB stand-in, TLS verified against the CA
// for the broker's hostname, AWS_MSK_IAM with the printed credentials.
func ping(ctx context.Context, info localmsk.Info) error {
	pem, err := os.ReadFile(info.CAFile)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("no certificate in %s", info.CAFile)
	}
	endpoint := map[string]string{}
	for _, b := range info.Brokers {
		endpoint[b.Advertised()] = b.Endpoint
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := endpoint[addr]
		if !ok {
			return nil, fmt.Errorf("%s is not an advertised broker", addr)
		}
		host, _, _ := net.SplitHostPort(addr)
		d := &tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: host}}
		return d.DialContext(ctx, network, to)
	}
	c := info.Credentials
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(info.BootstrapBrokersSASLIAM, ",")...),
		kgo.Dialer(dial),
		kgo.SASL(saslaws.ManagedStreamingIAM(func(context.Context) (saslaws.Auth, error) {
			return saslaws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
		})),
		kgo.RequestRetries(0),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	return cl.Ping(ctx)
}

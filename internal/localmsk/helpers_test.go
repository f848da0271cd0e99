package localmsk

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/IBM/sarama"
	signer "github.com/aws/aws-msk-iam-sasl-signer-go/signer"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	saslaws "github.com/twmb/franz-go/pkg/sasl/aws"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
)

func startEnv(t testing.TB, o Options) *Env {
	t.Helper()
	if os.Getenv("LOCALMSK_DEBUG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	e, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// route is a client's view of the network: each advertised host:9098 reaches
// the broker's NLB stand-in (or, direct, its TLS front).
type route struct {
	info   Info
	direct bool
	roots  *x509.CertPool
}

func newRoute(t testing.TB, info Info, direct bool) *route {
	t.Helper()
	pem, err := os.ReadFile(info.CAFile)
	if err != nil {
		t.Fatalf("read the CA: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", info.CAFile)
	}
	return &route{info: info, direct: direct, roots: roots}
}

func (r *route) target(addr string) (string, error) {
	for _, b := range r.info.Brokers {
		if b.Advertised() == addr {
			if r.direct {
				return b.BrokerAddr, nil
			}
			return b.Endpoint, nil
		}
	}
	return "", fmt.Errorf("no route to %s: not one of the advertised brokers", addr)
}

// Dial is sarama's proxy dialer: TCP to the stand-in for addr.
func (r *route) Dial(network, addr string) (net.Conn, error) {
	to, err := r.target(addr)
	if err != nil {
		return nil, err
	}
	return net.DialTimeout(network, to, 5*time.Second)
}

// dialTLS is kgo's dialer: TLS to the stand-in, verifying the advertised host.
func (r *route) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	to, err := r.target(addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	d := &tls.Dialer{Config: &tls.Config{RootCAs: r.roots, ServerName: host}}
	return d.DialContext(ctx, network, to)
}

func (r *route) tlsConfig() *tls.Config { return &tls.Config{RootCAs: r.roots} }

func staticCreds(c Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

// awsMSKIAM is franz-go's AWS_MSK_IAM mechanism for creds.
func awsMSKIAM(c Credentials) sasl.Mechanism {
	return saslaws.ManagedStreamingIAM(func(context.Context) (saslaws.Auth, error) {
		return saslaws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
	})
}

// oauthBearer is franz-go's OAUTHBEARER carrying the Go signer's token.
func oauthBearer(region string, c Credentials) sasl.Mechanism {
	return oauth.Oauth(func(ctx context.Context) (oauth.Auth, error) {
		tok, _, err := signer.GenerateAuthTokenFromCredentialsProvider(ctx, region, staticCreds(c))
		return oauth.Auth{Token: tok}, err
	})
}

func newKgo(t testing.TB, info Info, direct bool, mech sasl.Mechanism, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	r := newRoute(t, info, direct)
	base := []kgo.Opt{
		kgo.SeedBrokers(splitBootstrap(info.BootstrapBrokersSASLIAM)...),
		kgo.Dialer(r.dialTLS),
		kgo.SASL(mech),
		kgo.RequestRetries(0),
		kgo.RetryTimeout(2 * time.Second),
		kgo.RecordDeliveryTimeout(5 * time.Second),
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

type tokenProvider struct {
	region string
	creds  aws.CredentialsProvider
}

func (p tokenProvider) Token() (*sarama.AccessToken, error) {
	tok, _, err := signer.GenerateAuthTokenFromCredentialsProvider(context.Background(), p.region, p.creds)
	return &sarama.AccessToken{Token: tok}, err
}

func saramaConfig(t testing.TB, info Info) *sarama.Config {
	t.Helper()
	r := newRoute(t, info, false)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_6_0_0
	cfg.ClientID = "localmsk-test"
	cfg.Net.TLS.Enable = true
	cfg.Net.TLS.Config = r.tlsConfig()
	cfg.Net.Proxy.Enable = true
	cfg.Net.Proxy.Dialer = r
	cfg.Net.SASL.Enable = true
	cfg.Net.SASL.Mechanism = sarama.SASLTypeOAuth
	cfg.Net.SASL.Version = sarama.SASLHandshakeV1
	cfg.Net.SASL.TokenProvider = tokenProvider{info.Region, staticCreds(info.Credentials)}
	cfg.Net.DialTimeout = 5 * time.Second
	cfg.Metadata.Retry.Max = 1
	cfg.Metadata.Retry.Backoff = 100 * time.Millisecond
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Producer.Retry.Max = 0
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	return cfg
}

func splitBootstrap(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != ',' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

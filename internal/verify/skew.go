package verify

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/IBM/sarama"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// skewProbes are the clock offsets tried, in order, when a broker answers
// "Access denied": an IAM token signed as if this machine's clock were off by
// one of them is the only way a client can tell clock skew apart from
// rejected credentials, since MSK gives the same answer to both.
var skewProbes = []time.Duration{10 * time.Minute, -10 * time.Minute, time.Hour, -time.Hour}

// probeSkew reconnects through this path with tokens signed at shifted times
// and returns the offset the broker accepted, if any.
func (pr *pathRun) probeSkew(ctx context.Context) (time.Duration, bool) {
	creds, err := pr.t.Credentials.Retrieve(ctx)
	if err != nil {
		return 0, false
	}
	for _, off := range skewProbes {
		if ctx.Err() != nil {
			return 0, false
		}
		tok, err := signToken(ctx, pr.t.Region, creds, time.Now().Add(off))
		if err != nil {
			return 0, false
		}
		if pr.tryToken(ctx, tok) {
			return off, true
		}
	}
	return 0, false
}

// tryToken opens a fresh connection through this path's endpoint and
// reports whether the broker accepts tok.
func (pr *pathRun) tryToken(ctx context.Context, tok string) bool {
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: &tls.Config{ServerName: pr.host, RootCAs: pr.t.RootCAs, MinVersion: tls.VersionTLS12}}
	c, err := d.DialContext(ctx, "tcp", pr.path.Endpoint)
	if err != nil {
		return false
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	probe := &pathRun{t: pr.t, o: pr.o, path: pr.path, host: pr.host, conn: c}
	b := sarama.NewBroker(pr.path.Advertised)
	defer b.Close()
	if err := b.Open(probe.saramaConfig(staticToken(tok))); err != nil {
		return false
	}
	ok, err := b.Connected()
	return ok && err == nil
}

type staticToken string

func (s staticToken) Token() (*sarama.AccessToken, error) {
	return &sarama.AccessToken{Token: string(s)}, nil
}

// signToken builds the MSK IAM token the way aws-msk-iam-sasl-signer-go does
// (a presigned kafka-cluster:Connect URL, base64url), but signed at time at.
func signToken(ctx context.Context, region string, c aws.Credentials, at time.Time) (string, error) {
	q := url.Values{"Action": {"kafka-cluster:Connect"}, "X-Amz-Expires": {"900"}}
	u := url.URL{Scheme: "https", Host: fmt.Sprintf("kafka.%s.amazonaws.com", region), Path: "/", RawQuery: q.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	empty := sha256.Sum256(nil)
	signed, _, err := v4.NewSigner().PresignHTTP(ctx, c, req, hex.EncodeToString(empty[:]), "kafka-cluster", region, at.UTC())
	if err != nil {
		return "", err
	}
	su, err := url.Parse(signed)
	if err != nil {
		return "", err
	}
	sq := su.Query()
	sq.Set("User-Agent", "mskvpce-verify-skew-probe")
	su.RawQuery = sq.Encode()
	return base64.RawURLEncoding.EncodeToString([]byte(su.String())), nil
}

// skewError is an IAM token rejection explained by clock skew: a token signed
// offset away from this machine's clock was accepted.
type skewError struct {
	offset time.Duration
	err    error
}

func (e *skewError) Error() string { return fmt.Sprintf("clock skew of about %s", e.offset) }
func (e *skewError) Unwrap() error { return e.err }

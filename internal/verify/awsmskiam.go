package verify

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
	kaws "github.com/twmb/franz-go/pkg/sasl/aws"
)

// SASL mechanisms the verifier speaks.
const (
	// MechanismAWSMSKIAM is what the Java client's aws-msk-iam-auth (and so
	// Databricks' Spark, kafka.sasl.mechanism = AWS_MSK_IAM) uses: a SigV4
	// signature over the broker's own hostname.
	MechanismAWSMSKIAM = "AWS_MSK_IAM"
	// MechanismOAuthBearer is aws-msk-iam-sasl-signer-go's token (Go, Python
	// and librdkafka clients): a presigned URL for the regional MSK host.
	MechanismOAuthBearer = "OAUTHBEARER"
)

// DefaultMechanisms is what a run exercises when Options.Mechanisms is empty:
// the mechanism Databricks uses.
var DefaultMechanisms = []string{MechanismAWSMSKIAM}

// authenticateAWSMSKIAM runs SaslHandshake and SaslAuthenticate for
// AWS_MSK_IAM on conn, with franz-go's implementation of the mechanism (the
// one that mirrors aws-msk-iam-auth), before sarama takes the connection over
// with SASL off. Failures come back as sarama's SASL errors so one diagnosis
// serves both mechanisms.
func authenticateAWSMSKIAM(ctx context.Context, conn net.Conn, advertised string, creds aws.CredentialsProvider) error {
	c, err := creds.Retrieve(ctx)
	if err != nil {
		return &credentialsError{err}
	}
	mech := kaws.ManagedStreamingIAM(func(context.Context) (kaws.Auth, error) {
		return kaws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, UserAgent: "mskvpce-verify"}, nil
	})
	session, first, err := mech.Authenticate(ctx, advertised)
	if err != nil {
		return fmt.Errorf("signing the AWS_MSK_IAM payload for %s: %w", advertised, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
		defer conn.SetDeadline(time.Time{})
	}
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Version = 1
	hs.Mechanism = MechanismAWSMSKIAM
	hsResp := kmsg.NewPtrSASLHandshakeResponse()
	if err := roundTrip(conn, 1, hs, hsResp); err != nil {
		return err
	}
	if e := kerr.ErrorForCode(hsResp.ErrorCode); e != nil {
		if errors.Is(e, kerr.UnsupportedSaslMechanism) {
			return fmt.Errorf("%w: broker offers %v", sarama.ErrUnsupportedSASLMechanism, hsResp.SupportedMechanisms)
		}
		return fmt.Errorf("SaslHandshake: %w", e)
	}
	au := kmsg.NewPtrSASLAuthenticateRequest()
	au.Version = 1
	au.SASLAuthBytes = first
	auResp := kmsg.NewPtrSASLAuthenticateResponse()
	if err := roundTrip(conn, 2, au, auResp); err != nil {
		return err
	}
	if auResp.ErrorCode != 0 {
		msg := kerr.ErrorForCode(auResp.ErrorCode).Error()
		if auResp.ErrorMessage != nil {
			msg = *auResp.ErrorMessage
		}
		// sarama's own wording, so saslMessage() finds the broker's message.
		return fmt.Errorf("%w: %s", sarama.ErrSASLAuthenticationFailed, msg)
	}
	if _, _, err := session.Challenge(auResp.SASLAuthBytes); err != nil {
		return fmt.Errorf("AWS_MSK_IAM: broker's answer: %w", err)
	}
	return nil
}

// roundTrip writes one request and reads its (non-flexible) response.
func roundTrip(conn net.Conn, corr int32, req kmsg.Request, resp kmsg.Response) error {
	f := kmsg.NewRequestFormatter(kmsg.FormatterClientID("mskvpce-verify"))
	if _, err := conn.Write(f.AppendRequest(nil, req, corr)); err != nil {
		return err
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < 4 || n > 1<<20 {
		return fmt.Errorf("%s response of %d bytes: not a Kafka broker answering", kmsg.NameForKey(req.Key()), n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(conn, body); err != nil {
		return err
	}
	if got := int32(binary.BigEndian.Uint32(body)); got != corr {
		return fmt.Errorf("%s response has correlation id %d, want %d", kmsg.NameForKey(req.Key()), got, corr)
	}
	resp.SetVersion(req.GetVersion())
	return resp.ReadFrom(body[4:])
}

// explainDenied narrows an "Access denied" at SASL, which MSK gives alike
// for a missing kafka-cluster:Connect, a skewed clock and (AWS_MSK_IAM only)
// a payload signed for another broker's host. An OAUTHBEARER token is not
// bound to a broker: if one is accepted through this same path, the
// principal may connect and the clock is right, so an AWS_MSK_IAM denial
// means the NLB delivered it to a broker other than the one it was signed
// for.
func (pr *pathRun) explainDenied(ctx context.Context, err error) error {
	if !errors.Is(err, sarama.ErrSASLAuthenticationFailed) || containsAny(err.Error(), "too many connects") {
		return err
	}
	if pr.mech == MechanismAWSMSKIAM {
		if c, cerr := pr.t.Credentials.Retrieve(ctx); cerr == nil {
			if tok, terr := signToken(ctx, pr.t.Region, c, time.Now(), tokenExpires); terr == nil && pr.tryToken(ctx, tok) {
				j := pr.probeSignedHost(ctx)
				pr.landsOn = j
				return &hostMisrouteError{landsOn: j, err: err}
			}
		}
	}
	if off, ok := pr.probeSkew(ctx); ok {
		return &skewError{offset: off, err: err}
	}
	return err
}

// hostMisrouteError: an AWS_MSK_IAM payload signed for this path's broker was
// refused while a host-independent token was accepted through the same NLB.
type hostMisrouteError struct {
	landsOn int // the broker whose host signature was accepted; 0 if none
	err     error
}

func (e *hostMisrouteError) Error() string { return "AWS_MSK_IAM payload refused by another broker" }
func (e *hostMisrouteError) Unwrap() error { return e.err }

// ParseMechanisms reads a mechanism choice: "aws-msk-iam", "oauthbearer" or
// "both" (also the Kafka names AWS_MSK_IAM and OAUTHBEARER); "" is the
// default.
func ParseMechanisms(s string) ([]string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return DefaultMechanisms, nil
	case "aws-msk-iam", "aws_msk_iam":
		return []string{MechanismAWSMSKIAM}, nil
	case "oauthbearer":
		return []string{MechanismOAuthBearer}, nil
	case "both":
		return []string{MechanismAWSMSKIAM, MechanismOAuthBearer}, nil
	}
	return nil, inputErrorf("--sasl-mechanism %q: want aws-msk-iam (what Databricks' Spark uses), oauthbearer (aws-msk-iam-sasl-signer-go) or both", s)
}

// probeSignedHost finds the broker this path reaches: the other mapped
// broker whose host, signed into an AWS_MSK_IAM payload, is accepted through
// this path's endpoint. One connection per other broker, tried in turn.
func (pr *pathRun) probeSignedHost(ctx context.Context) int {
	for _, p := range pr.t.Paths {
		if p.BrokerID == pr.path.BrokerID || ctx.Err() != nil {
			continue
		}
		d := tls.Dialer{NetDialer: &net.Dialer{}, Config: &tls.Config{ServerName: pr.host, RootCAs: pr.t.RootCAs, MinVersion: tls.VersionTLS12}}
		c, err := d.DialContext(ctx, "tcp", pr.path.Endpoint)
		if err != nil {
			return 0
		}
		err = authenticateAWSMSKIAM(ctx, c, p.Advertised, pr.t.Credentials)
		_ = c.Close()
		if err == nil {
			return p.BrokerID
		}
	}
	return 0
}

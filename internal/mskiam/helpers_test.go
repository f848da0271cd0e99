package mskiam_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-msk-iam-sasl-signer-go/signer"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kaws "github.com/twmb/franz-go/pkg/sasl/aws"
	"github.com/twmb/franz-go/pkg/sasl/oauth"

	"github.com/mskvpce/mskvpce/internal/mskiam"
)

const (
	region      = "us-east-1"
	otherRegion = "us-west-2"
	broker1     = "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com"
	broker2     = "b-2.demo.abc123.c2.kafka.us-east-1.amazonaws.com"
)

// Two principals: a long-term IAM user key and temporary role credentials
// whose session token has the characters that need query escaping.
var (
	userCred = mskiam.Credential{
		AccessKeyID:     "AKIAIOSFODNN7EXAMPLE",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		PrincipalARN:    "arn:aws:iam::123456789012:user/alice",
	}
	roleCred = mskiam.Credential{
		AccessKeyID:     "ASIAQWERTYUIOPASDFGH",
		SecretAccessKey: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
		SessionToken:    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def==",
		PrincipalARN:    "arn:aws:sts::123456789012:assumed-role/databricks-msk/session",
	}
)

func newVerifier() *mskiam.Verifier {
	return &mskiam.Verifier{Region: region, Credentials: []mskiam.Credential{userCred, roleCred}}
}

// shifted returns a clock offset from the real one, as if the server's clock
// were d ahead of the client that signed.
func shifted(d time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(d) }
}

func awsCreds(c mskiam.Credential) aws.Credentials {
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

// signerToken is a token made by aws-msk-iam-sasl-signer-go, the OAUTHBEARER
// token provider the Go clients (sarama, franz-go, confluent) use.
func signerToken(t testing.TB, reg string, c mskiam.Credential) string {
	t.Helper()
	tok, _ := signerTokenExpiry(t, reg, c)
	return tok
}

// signerTokenExpiry also returns the expiry the signer reports, in Unix
// milliseconds.
func signerTokenExpiry(t testing.TB, reg string, c mskiam.Credential) (string, int64) {
	t.Helper()
	tok, expMs, err := signer.GenerateAuthTokenFromCredentialsProvider(context.Background(), reg,
		credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken))
	if err != nil {
		t.Fatalf("signer.GenerateAuthTokenFromCredentialsProvider: %v", err)
	}
	return tok, expMs
}

// gs2 frames a token as a real client does: franz-go's sasl/oauth mechanism
// builds the RFC 7628 client first message.
func gs2(t testing.TB, a oauth.Auth) []byte {
	t.Helper()
	_, msg, err := a.AsMechanism().Authenticate(context.Background(), broker1+":9098")
	if err != nil {
		t.Fatalf("oauth Authenticate: %v", err)
	}
	return msg
}

func bearer(t testing.TB, token string) []byte {
	return gs2(t, oauth.Auth{Token: token})
}

// franzPayload is the AWS_MSK_IAM client first message franz-go's sasl/aws
// sends to host (host:port).
func franzPayload(t testing.TB, host string, c mskiam.Credential) []byte {
	t.Helper()
	m := kaws.Auth{AccessKey: c.AccessKeyID, SecretKey: c.SecretAccessKey, SessionToken: c.SessionToken, UserAgent: "mskiam-test"}.AsManagedStreamingIAMMechanism()
	_, msg, err := m.Authenticate(context.Background(), host)
	if err != nil {
		t.Fatalf("sasl/aws Authenticate(%s): %v", host, err)
	}
	return msg
}

// javaShapedPayload builds an AWS_MSK_IAM payload the way aws-msk-iam-auth's
// AWS4SignedPayloadGenerator does: presign GET https://<host>?Action=... with
// an expiry computed from "now + 15 minutes" (so X-Amz-Expires may be 899),
// then lowercase every query parameter name and add version, user-agent and
// the signed request's headers (host). The SigV4 math is aws-sdk-go-v2's;
// what this covers is the Java payload's shape.
func javaShapedPayload(t testing.TB, host, reg string, c mskiam.Credential, expires string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://"+host+"?Action=kafka-cluster%3AConnect&X-Amz-Expires="+expires, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), awsCreds(c), req,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "kafka-cluster", reg, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{"version": "2020_10_22", "user-agent": "aws-msk-iam-auth/2.3.2/java"}
	for k, vs := range u.Query() {
		kv[strings.ToLower(k)] = vs[0]
	}
	for k, vs := range hdr {
		kv[strings.ToLower(k)] = vs[0]
	}
	b, err := json.Marshal(kv)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// presignedURL signs an arbitrary presigned URL with aws-sdk-go-v2, for
// tokens no real client would make (another host) but a broken one might.
func presignedURL(t testing.TB, host, reg string, c mskiam.Credential, query string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://"+host+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), awsCreds(c), req,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "kafka-cluster", reg, time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(signed))
}

// editToken decodes a signer token, lets edit change the URL and encodes it
// again.
func editToken(t testing.TB, token string, edit func(u *url.URL, q url.Values)) string {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	edit(u, q)
	u.RawQuery = q.Encode()
	return base64.RawURLEncoding.EncodeToString([]byte(u.String()))
}

// editPayload lets edit change an AWS_MSK_IAM payload's key-value pairs.
func editPayload(t testing.TB, payload []byte, edit func(kv map[string]string)) []byte {
	t.Helper()
	var kv map[string]string
	if err := json.Unmarshal(payload, &kv); err != nil {
		t.Fatal(err)
	}
	edit(kv)
	b, err := json.Marshal(kv)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flipHex changes the last hex digit of a signature.
func flipHex(s string) string {
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}

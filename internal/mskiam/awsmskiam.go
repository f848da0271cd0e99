package mskiam

import (
	"encoding/json"
	"errors"
	"net"
	"strings"
)

// AWSMSKIAMVersion is the only version of the AWS_MSK_IAM payload and of the
// server's response.
const AWSMSKIAMVersion = "2020_10_22"

// VerifyAWSMSKIAM verifies an AWS_MSK_IAM client first message: the JSON
// object sent by aws-msk-iam-auth's IAMSaslClient and franz-go's
// pkg/sasl/aws, e.g.
//
//	{"version":"2020_10_22","host":"b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com",
//	 "user-agent":"...","action":"kafka-cluster:Connect",
//	 "x-amz-algorithm":"AWS4-HMAC-SHA256","x-amz-credential":"AKIA.../20260101/us-east-1/kafka-cluster/aws4_request",
//	 "x-amz-date":"20260101T000000Z","x-amz-signedheaders":"host","x-amz-expires":"900",
//	 "x-amz-signature":"...","x-amz-security-token":"..."}
//
// Its "host" must be brokerHost (case-insensitive; a ":port" on brokerHost is
// ignored), the broker's advertised host name that the client connected to
// and signed. Other keys (the Java client also copies the signed request's
// headers) are ignored. user-agent is not checked.
func (v *Verifier) VerifyAWSMSKIAM(payload []byte, brokerHost string) (Session, error) {
	if h, _, err := net.SplitHostPort(brokerHost); err == nil {
		brokerHost = h
	}
	if brokerHost == "" {
		return Session{}, errors.New("mskiam: VerifyAWSMSKIAM needs the broker's host name to check the signed host; pass the advertised host")
	}
	var kv map[string]string
	if err := json.Unmarshal(payload, &kv); err != nil {
		return Session{}, reject(Malformed, "", "AWS_MSK_IAM payload is not a JSON object of strings: %v", err)
	}
	if kv == nil {
		return Session{}, reject(Malformed, "", "AWS_MSK_IAM payload is JSON null, not an object")
	}
	if got := kv["version"]; got != AWSMSKIAMVersion {
		return Session{}, reject(Malformed, "", "AWS_MSK_IAM payload version is %s, want %s", clip(got), AWSMSKIAMVersion)
	}
	p := &presigned{
		host:          kv["host"],
		action:        kv["action"],
		algorithm:     kv["x-amz-algorithm"],
		credential:    kv["x-amz-credential"],
		date:          kv["x-amz-date"],
		expires:       kv["x-amz-expires"],
		signedHeaders: kv["x-amz-signedheaders"],
		signature:     kv["x-amz-signature"],
	}
	p.securityToken, p.hasToken = kv["x-amz-security-token"]
	p.hasToken = p.hasToken && p.securityToken != ""
	for _, f := range [...]struct{ name, value string }{
		{"host", p.host},
		{"action", p.action},
		{"x-amz-algorithm", p.algorithm},
		{"x-amz-credential", p.credential},
		{"x-amz-date", p.date},
		{"x-amz-expires", p.expires},
		{"x-amz-signedheaders", p.signedHeaders},
		{"x-amz-signature", p.signature},
	} {
		if f.value == "" {
			return Session{}, reject(Malformed, "", "AWS_MSK_IAM payload has no %s", f.name)
		}
	}
	return v.verify(p, func(akid string) *Error {
		if !strings.EqualFold(p.host, brokerHost) {
			return reject(WrongHost, akid, "the payload is signed for host %s but was sent to broker %s; AWS_MSK_IAM tokens are signed per broker, so the client must sign the host it connects to", clip(p.host), clip(brokerHost))
		}
		return nil
	})
}

// AWSMSKIAMServerResponse is the server's final AWS_MSK_IAM message after a
// successful authentication, as aws-msk-iam-auth's AuthenticationResponse
// parses it: {"version":"2020_10_22","request-id":"<requestID>"}. The Java
// client rejects any other version; franz-go only needs it non-empty.
func AWSMSKIAMServerResponse(requestID string) []byte {
	b, err := json.Marshal(struct {
		Version   string `json:"version"`
		RequestID string `json:"request-id"`
	}{AWSMSKIAMVersion, requestID})
	if err != nil {
		panic("mskiam: marshal of two strings failed: " + err.Error())
	}
	return b
}

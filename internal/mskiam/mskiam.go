package mskiam

import (
	"fmt"
	"strconv"
	"time"
)

// SASL mechanism names as they appear in SaslHandshake.
const (
	MechanismOAuthBearer = "OAUTHBEARER"
	MechanismAWSMSKIAM   = "AWS_MSK_IAM"
)

const (
	// DefaultMaxSkew is the clock skew a Verifier tolerates when MaxSkew is 0.
	DefaultMaxSkew = 5 * time.Minute
	// MaxExpires is the longest X-Amz-Expires SigV4 allows for a presigned
	// request (seven days).
	MaxExpires = 7 * 24 * time.Hour

	connectAction = "kafka-cluster:Connect"
	signingName   = "kafka-cluster"
	algorithm     = "AWS4-HMAC-SHA256"
	amzDateFormat = "20060102T150405Z"
)

// Credential is an IAM credential the verifier knows: what a real MSK learns
// from IAM for an access key.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is set for temporary credentials (AssumeRole); tokens
	// must then carry it as X-Amz-Security-Token. Empty for long-term keys,
	// whose tokens must then carry none.
	SessionToken string
	// PrincipalARN is the IAM principal the credential belongs to, e.g.
	// arn:aws:iam::123456789012:role/databricks-msk.
	PrincipalARN string
}

// Verifier checks MSK IAM SASL tokens against a fixed set of credentials.
// Its methods do not modify it and are safe for concurrent use, provided the
// fields are not changed meanwhile.
type Verifier struct {
	// Region is the cluster's region, e.g. us-east-1. Required.
	Region string
	// Credentials are the known credentials, looked up by access key ID.
	Credentials []Credential
	// Now returns the current time; nil means time.Now. Tests and clock-skew
	// fault injection move it.
	Now func() time.Time
	// MaxSkew is how far X-Amz-Date may be ahead of Now (a client clock
	// running fast); 0 means DefaultMaxSkew. How far it may be behind is
	// bounded by X-Amz-Expires, as for any SigV4 presigned request: Kafka's
	// Java OAUTHBEARER login (and librdkafka) reuse one token for new
	// connections until they refresh it at about 80% of its 15 minutes, so
	// a 10-minute-old token is normal and MSK accepts it.
	MaxSkew time.Duration
	// MaxAge, if positive, also rejects tokens signed longer than MaxAge
	// before Now (reason ClockSkew), for a stricter server than MSK; 0 means
	// only expiry limits a token's age.
	MaxAge time.Duration
}

// Session is an authenticated SASL session.
type Session struct {
	PrincipalARN string
	AccessKeyID  string
	// Expires is the token's signing time plus X-Amz-Expires. A broker
	// reports the time left as session_lifetime_ms (KIP-368) and closes the
	// connection if the client has not re-authenticated by then.
	Expires time.Time
}

// Reason classifies why a token was rejected. A Reason is itself an error,
// so errors.Is(err, mskiam.Expired) works as well as errors.As with *Error.
type Reason int

// Rejection reasons.
const (
	// Malformed: the message, URL, JSON or a SigV4 field cannot be parsed
	// or has the wrong shape.
	Malformed Reason = iota + 1
	// UnknownAccessKey: the access key is not one of Verifier.Credentials.
	UnknownAccessKey
	// SignatureMismatch: the recomputed signature differs (wrong secret or
	// a tampered token).
	SignatureMismatch
	// WrongAction: Action is not kafka-cluster:Connect.
	WrongAction
	// WrongRegion: the credential scope's region is not Verifier.Region.
	WrongRegion
	// WrongHost: the signed host is not the one this broker expects.
	WrongHost
	// ClockSkew: X-Amz-Date is further than MaxSkew from the server clock.
	ClockSkew
	// Expired: X-Amz-Date + X-Amz-Expires has passed.
	Expired
	// SessionTokenMismatch: X-Amz-Security-Token is missing, unexpected or
	// different from the credential's session token.
	SessionTokenMismatch
)

var reasonNames = [...]string{
	Malformed:            "malformed token",
	UnknownAccessKey:     "unknown access key",
	SignatureMismatch:    "signature mismatch",
	WrongAction:          "wrong action",
	WrongRegion:          "wrong region",
	WrongHost:            "wrong host",
	ClockSkew:            "clock skew",
	Expired:              "expired token",
	SessionTokenMismatch: "session token mismatch",
}

func (r Reason) String() string {
	if r > 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Error makes a Reason usable as an errors.Is target.
func (r Reason) Error() string { return "mskiam: " + r.String() }

// Error is why a token was rejected. It never contains a secret access key or
// a session token.
type Error struct {
	Reason Reason
	// Detail says what was wrong and, where it helps, what to do about it.
	Detail string
	// AccessKeyID is the access key the token claims, when it got that far.
	AccessKeyID string
}

func (e *Error) Error() string {
	switch {
	case e.AccessKeyID == "":
		return "mskiam: " + e.Reason.String() + ": " + e.Detail
	case e.Reason == UnknownAccessKey:
		return "mskiam: unknown access key " + e.AccessKeyID + ": " + e.Detail
	default:
		return "mskiam: " + e.Reason.String() + " for access key " + e.AccessKeyID + ": " + e.Detail
	}
}

// Is reports whether target is e's Reason.
func (e *Error) Is(target error) bool {
	r, ok := target.(Reason)
	return ok && r == e.Reason
}

func reject(r Reason, accessKeyID, format string, args ...any) *Error {
	return &Error{Reason: r, AccessKeyID: accessKeyID, Detail: fmt.Sprintf(format, args...)}
}

// clip quotes s for an error message, cut to a length that keeps log lines
// readable whatever a client sends.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}

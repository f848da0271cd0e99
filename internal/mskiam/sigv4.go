package mskiam

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// emptyPayloadHash is the hex SHA-256 of an empty body, the payload hash both
// client libraries sign with.
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// presigned is a presigned kafka-cluster:Connect request as either mechanism
// carries it.
type presigned struct {
	host          string // the host the client signed
	action        string
	algorithm     string
	credential    string // <access key>/<yyyymmdd>/<region>/<service>/aws4_request
	date          string // X-Amz-Date
	expires       string // X-Amz-Expires, seconds
	signedHeaders string
	signature     string
	securityToken string
	hasToken      bool
	// extra holds the other signed query parameters (OAUTHBEARER's URL may
	// in principle carry more; they are part of the canonical query).
	extra url.Values
}

// verify runs the checks common to both mechanisms; checkHost checks the
// signed host once the credential is known.
func (v *Verifier) verify(p *presigned, checkHost func(accessKeyID string) *Error) (Session, error) {
	if v.Region == "" {
		return Session{}, errors.New("mskiam: Verifier.Region is empty; set it to the cluster's region, e.g. us-east-1")
	}
	if p.algorithm != algorithm {
		return Session{}, reject(Malformed, "", "X-Amz-Algorithm is %s, want %s", clip(p.algorithm), algorithm)
	}
	if p.action != connectAction {
		return Session{}, reject(WrongAction, "", "Action is %s, want %s", clip(p.action), connectAction)
	}

	// <access key>/<date>/<region>/<service>/aws4_request
	scope := strings.Split(p.credential, "/")
	if len(scope) != 5 {
		return Session{}, reject(Malformed, "", "X-Amz-Credential %s is not <access key>/<date>/<region>/kafka-cluster/aws4_request", clip(p.credential))
	}
	akid, scopeDate, region, service, terminator := scope[0], scope[1], scope[2], scope[3], scope[4]
	if !validAccessKeyID(akid) {
		return Session{}, reject(Malformed, "", "access key ID %s in X-Amz-Credential is not 16-128 letters and digits", clip(akid))
	}
	cred, ok := v.lookup(akid)
	if !ok {
		return Session{}, reject(UnknownAccessKey, akid, "no such access key here; sign with the credentials this cluster trusts")
	}
	if region != v.Region {
		return Session{}, reject(WrongRegion, akid, "token is signed for region %s, this cluster is in %s; configure the client's region as %s", clip(region), v.Region, v.Region)
	}
	if service != signingName || terminator != "aws4_request" {
		return Session{}, reject(Malformed, akid, "credential scope ends in %s/%s, want %s/aws4_request", clip(service), clip(terminator), signingName)
	}
	if e := checkHost(akid); e != nil {
		return Session{}, e
	}

	signed, err := time.Parse(amzDateFormat, p.date)
	if err != nil || signed.Format(amzDateFormat) != p.date {
		return Session{}, reject(Malformed, akid, "X-Amz-Date %s is not of the form %s", clip(p.date), amzDateFormat)
	}
	if scopeDate != p.date[:8] {
		return Session{}, reject(Malformed, akid, "credential scope date %s differs from X-Amz-Date %s", clip(scopeDate), p.date)
	}
	if p.signedHeaders != "host" {
		return Session{}, reject(Malformed, akid, "X-Amz-SignedHeaders is %s, want host", clip(p.signedHeaders))
	}
	expiresSec, ok := parseExpires(p.expires)
	if !ok {
		return Session{}, reject(Malformed, akid, "X-Amz-Expires %s is not a whole number of seconds from 1 to %d", clip(p.expires), int(MaxExpires/time.Second))
	}
	expires := signed.Add(time.Duration(expiresSec) * time.Second)

	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now()
	maxSkew := v.MaxSkew
	if maxSkew <= 0 {
		maxSkew = DefaultMaxSkew
	}
	if !t.Before(expires) {
		return Session{}, reject(Expired, akid, "token signed at %s expired at %s, %s ago; the client reused a token past its lifetime or its clock is behind (sync it with NTP)",
			signed.Format(time.RFC3339), expires.Format(time.RFC3339), t.Sub(expires).Round(time.Second))
	}
	if d := signed.Sub(t); d > maxSkew {
		return Session{}, reject(ClockSkew, akid, "X-Amz-Date %s is %s ahead of the server clock (max skew %s); sync the client clock (NTP)", p.date, d.Round(time.Second), maxSkew)
	}
	if age := t.Sub(signed); v.MaxAge > 0 && age > v.MaxAge {
		return Session{}, reject(ClockSkew, akid, "X-Amz-Date %s is %s behind the server clock (max age %s); sync the client clock (NTP) and sign a fresh token", p.date, age.Round(time.Second), v.MaxAge)
	}

	switch {
	case cred.SessionToken == "" && p.hasToken:
		return Session{}, reject(SessionTokenMismatch, akid, "token carries X-Amz-Security-Token but this access key is a long-term key with no session token")
	case cred.SessionToken != "" && !p.hasToken:
		return Session{}, reject(SessionTokenMismatch, akid, "token has no X-Amz-Security-Token but this access key is temporary; sign with the session token too")
	case cred.SessionToken != "" && subtle.ConstantTimeCompare([]byte(cred.SessionToken), []byte(p.securityToken)) != 1:
		return Session{}, reject(SessionTokenMismatch, akid, "X-Amz-Security-Token is not this access key's session token; refresh the client's credentials")
	}

	want, err := presignSignature(p, cred, v.Region, signed)
	if err != nil {
		return Session{}, reject(Malformed, akid, "cannot recompute the signature: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(p.signature)) != 1 {
		return Session{}, reject(SignatureMismatch, akid, "the signature does not match the one computed with this access key's secret; the token was altered or signed with another secret")
	}
	return Session{PrincipalARN: cred.PrincipalARN, AccessKeyID: akid, Expires: expires}, nil
}

// presignSignature recomputes X-Amz-Signature the way the clients build it:
// a SigV4 presigned GET https://<host>/?Action=...&X-Amz-Expires=... (plus
// any other signed parameters), host as the only signed header, an empty
// payload, service kafka-cluster.
func presignSignature(p *presigned, cred Credential, region string, signed time.Time) (string, error) {
	q := make(url.Values, len(p.extra)+2)
	for k, vs := range p.extra {
		q[k] = vs
	}
	q.Set("Action", p.action)
	q.Set("X-Amz-Expires", p.expires)
	req := &http.Request{
		Method: http.MethodGet,
		URL:    &url.URL{Scheme: "https", Host: p.host, Path: "/", RawQuery: q.Encode()},
		Host:   p.host,
		Header: http.Header{},
	}
	// A fresh Signer per call: the SDK's derived-key cache is keyed by
	// access key, region and service but not by the secret, so a shared
	// Signer could reuse a key derived from another secret for the same
	// access key.
	signedURL, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{
		AccessKeyID:     cred.AccessKeyID,
		SecretAccessKey: cred.SecretAccessKey,
		SessionToken:    cred.SessionToken,
	}, req, emptyPayloadHash, signingName, region, signed)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(signedURL)
	if err != nil {
		// Not err itself: url.Error quotes the URL, which holds the
		// credential's session token.
		return "", errors.New("the SigV4 presigner returned an unparsable URL")
	}
	return u.Query().Get("X-Amz-Signature"), nil
}

func (v *Verifier) lookup(akid string) (Credential, bool) {
	for _, c := range v.Credentials {
		if c.AccessKeyID == akid {
			return c, true
		}
	}
	return Credential{}, false
}

// validAccessKeyID accepts the shape IAM documents for access key IDs
// (16 to 128 word characters; in practice upper-case letters and digits),
// which also keeps a client's bytes out of log lines.
func validAccessKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func parseExpires(s string) (int64, bool) {
	if s == "" || len(s) > 7 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > int64(MaxExpires/time.Second) {
		return 0, false
	}
	return n, true
}

package mskiam_test

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sasl/oauth"

	"github.com/mskvpce/mskvpce/internal/mskiam"
)

// secrets are the strings no error may ever contain.
var secrets = []string{
	userCred.SecretAccessKey, roleCred.SecretAccessKey, roleCred.SessionToken,
	"otherSecretKeyEXAMPLEEXAMPLEEXAMPLE0000", "otherSessionTokenEXAMPLE",
}

// checkRejected asserts err is an *mskiam.Error with the wanted reason, that
// errors.Is sees the reason, and that the message carries no secret.
func checkRejected(t *testing.T, err error, want mskiam.Reason) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want %s", want.String())
	}
	var e *mskiam.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *mskiam.Error", err, err)
	}
	if e.Reason != want {
		t.Fatalf("reason = %s (%v); want %s", e.Reason.String(), err, want.String())
	}
	if !errors.Is(err, want) {
		t.Errorf("errors.Is(err, %v) = false", want)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "mskiam: "+want.String()) || e.Detail == "" {
		t.Errorf("message %q does not start with %q or has no detail", msg, "mskiam: "+want.String())
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Errorf("message %q contains a secret", msg)
		}
	}
	t.Logf("rejected as expected: %v", err)
}

func TestVerifyOAuthBearer(t *testing.T) {
	t.Parallel()
	wrongSecret := userCred
	wrongSecret.SecretAccessKey = "otherSecretKeyEXAMPLEEXAMPLEEXAMPLE0000"
	roleNoToken := roleCred
	roleNoToken.SessionToken = ""
	roleOtherToken := roleCred
	roleOtherToken.SessionToken = "otherSessionTokenEXAMPLE"
	userWithToken := userCred
	userWithToken.SessionToken = "otherSessionTokenEXAMPLE"

	edited := func(c mskiam.Credential, edit func(u *url.URL, q url.Values)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return bearer(t, editToken(t, signerToken(t, region, c), edit)) }
	}
	b64 := func(s string) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return bearer(t, base64.RawURLEncoding.EncodeToString([]byte(s))) }
	}
	raw := func(s string) func(t *testing.T) []byte { return func(*testing.T) []byte { return []byte(s) } }

	tests := []struct {
		name     string
		msg      func(t *testing.T) []byte
		setup    func(v *mskiam.Verifier)
		want     mskiam.Reason // 0: accepted
		wantAK   string        // accepted: the session's access key
		wantLeft time.Duration // accepted: session time left by v.Now; 0 means 15m
	}{
		// Accepted: tokens from the real signer, framed by a real client.
		{name: "signer long-term key", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, wantAK: userCred.AccessKeyID},
		{name: "signer session token", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, roleCred)) }, wantAK: roleCred.AccessKeyID},
		{name: "authzid and extensions", msg: func(t *testing.T) []byte {
			return gs2(t, oauth.Auth{Zid: "alice", Token: signerToken(t, region, userCred), Extensions: map[string]string{"logicalCluster": "lkc-1", "traceId": "abc 123"}})
		}, wantAK: userCred.AccessKeyID},
		{name: "sarama framing, padded token", msg: func(t *testing.T) []byte {
			tok := signerToken(t, region, roleCred)
			tok += strings.Repeat("=", (4-len(tok)%4)%4)
			return []byte("n,,\x01auth=Bearer " + tok + "\x01\x01")
		}, wantAK: roleCred.AccessKeyID},
		// aws-msk-iam-auth's OAUTHBEARER handler builds its URL from a request
		// with an empty path (https://kafka.<region>.amazonaws.com?Action=...);
		// SigV4 canonicalizes an empty path to "/", so the signature holds.
		{name: "URL without path", msg: edited(roleCred, func(u *url.URL, _ url.Values) { u.Path = "" }), wantAK: roleCred.AccessKeyID},
		{name: "user-agent changed (unsigned)", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("User-Agent", "something-else") }), wantAK: userCred.AccessKeyID},
		{name: "server clock 4m ahead", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, setup: func(v *mskiam.Verifier) { v.Now = shifted(4 * time.Minute) }, wantAK: userCred.AccessKeyID, wantLeft: 11 * time.Minute},
		{name: "server clock 4m behind", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, setup: func(v *mskiam.Verifier) { v.Now = shifted(-4 * time.Minute) }, wantAK: userCred.AccessKeyID, wantLeft: 19 * time.Minute},
		// Kafka's Java OAUTHBEARER login refreshes its token at ~80% of the
		// 15 minutes and reuses it for new connections meanwhile; MSK
		// accepts such a token, and so must we.
		{name: "reused token, 12m old", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, roleCred)) }, setup: func(v *mskiam.Verifier) { v.Now = shifted(12 * time.Minute) }, wantAK: roleCred.AccessKeyID, wantLeft: 3 * time.Minute},

		// Signature.
		{name: "tampered signature", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Signature", flipHex(q.Get("X-Amz-Signature"))) }), want: mskiam.SignatureMismatch},
		{name: "tampered expiry", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Expires", "901") }), want: mskiam.SignatureMismatch},
		{name: "added signed parameter", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("Extra", "1") }), want: mskiam.SignatureMismatch},
		{name: "wrong secret", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, wrongSecret)) }, want: mskiam.SignatureMismatch},
		{name: "unknown access key", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, setup: func(v *mskiam.Verifier) { v.Credentials = []mskiam.Credential{roleCred} }, want: mskiam.UnknownAccessKey},

		// Scope, host, action.
		{name: "wrong region", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, otherRegion, userCred)) }, want: mskiam.WrongRegion},
		{name: "host tampered", msg: edited(userCred, func(u *url.URL, _ url.Values) { u.Host = "kafka.us-east-1.amazonaws.com.evil.example" }), want: mskiam.WrongHost},
		{name: "host with port", msg: edited(userCred, func(u *url.URL, _ url.Values) { u.Host = "kafka.us-east-1.amazonaws.com:443" }), want: mskiam.WrongHost},
		{name: "signed for the broker host", msg: func(t *testing.T) []byte {
			return bearer(t, presignedURL(t, broker1, region, userCred, "Action=kafka-cluster%3AConnect&X-Amz-Expires=900"))
		}, want: mskiam.WrongHost},
		{name: "wrong action", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("Action", "kafka-cluster:DescribeCluster") }), want: mskiam.WrongAction},
		{name: "wrong action, validly signed", msg: func(t *testing.T) []byte {
			return bearer(t, presignedURL(t, "kafka.us-east-1.amazonaws.com", region, userCred, "Action=kafka-cluster%3AAlterCluster&X-Amz-Expires=900"))
		}, want: mskiam.WrongAction},

		// Time.
		{name: "expired", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, setup: func(v *mskiam.Verifier) { v.Now = shifted(16 * time.Minute) }, want: mskiam.Expired},
		{name: "short expiry passed", msg: func(t *testing.T) []byte {
			return bearer(t, presignedURL(t, "kafka.us-east-1.amazonaws.com", region, userCred, "Action=kafka-cluster%3AConnect&X-Amz-Expires=60"))
		}, setup: func(v *mskiam.Verifier) { v.Now = shifted(2 * time.Minute) }, want: mskiam.Expired},
		{name: "client clock ahead", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, setup: func(v *mskiam.Verifier) { v.Now = shifted(-6 * time.Minute) }, want: mskiam.ClockSkew},
		{name: "client clock behind by more than the lifetime", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, setup: func(v *mskiam.Verifier) { v.Now = shifted(20 * time.Minute) }, want: mskiam.Expired},
		{name: "custom MaxSkew", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, setup: func(v *mskiam.Verifier) { v.Now = shifted(-2 * time.Minute); v.MaxSkew = time.Minute }, want: mskiam.ClockSkew},
		{name: "MaxAge: client clock behind", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userCred)) }, setup: func(v *mskiam.Verifier) { v.Now = shifted(6 * time.Minute); v.MaxAge = 5 * time.Minute }, want: mskiam.ClockSkew},

		// Session token.
		{name: "session token missing", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, roleNoToken)) }, want: mskiam.SessionTokenMismatch},
		{name: "session token removed", msg: edited(roleCred, func(_ *url.URL, q url.Values) { q.Del("X-Amz-Security-Token") }), want: mskiam.SessionTokenMismatch},
		{name: "session token wrong", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, roleOtherToken)) }, want: mskiam.SessionTokenMismatch},
		{name: "session token unexpected", msg: func(t *testing.T) []byte { return bearer(t, signerToken(t, region, userWithToken)) }, want: mskiam.SessionTokenMismatch},

		// Malformed presigned URL.
		{name: "token not base64url", msg: func(t *testing.T) []byte { return bearer(t, "not*base64") }, want: mskiam.Malformed},
		{name: "token not a URL", msg: b64("https://kafka.us-east-1.amazonaws.com/%zz?Action=x"), want: mskiam.Malformed},
		{name: "token plain http", msg: edited(userCred, func(u *url.URL, _ url.Values) { u.Scheme = "http" }), want: mskiam.Malformed},
		{name: "token not absolute", msg: b64("/?Action=kafka-cluster%3AConnect"), want: mskiam.Malformed},
		{name: "token with path", msg: edited(userCred, func(u *url.URL, _ url.Values) { u.Path = "/admin" }), want: mskiam.Malformed},
		{name: "query does not parse", msg: b64("https://kafka.us-east-1.amazonaws.com/?Action=%zz"), want: mskiam.Malformed},
		{name: "signature missing", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Del("X-Amz-Signature") }), want: mskiam.Malformed},
		{name: "date twice", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Add("X-Amz-Date", q.Get("X-Amz-Date")) }), want: mskiam.Malformed},
		{name: "date unparsable", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Date", "yesterday") }), want: mskiam.Malformed},
		{name: "date not the scope's", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Date", "20200101T000000Z") }), want: mskiam.Malformed},
		{name: "expires not a number", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Expires", "15m") }), want: mskiam.Malformed},
		{name: "expires over a week", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Expires", "604801") }), want: mskiam.Malformed},
		{name: "expires zero", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Expires", "0") }), want: mskiam.Malformed},
		{name: "algorithm", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA1") }), want: mskiam.Malformed},
		{name: "signed headers", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-SignedHeaders", "host;x-amz-date") }), want: mskiam.Malformed},
		{name: "scope service", msg: edited(userCred, func(_ *url.URL, q url.Values) {
			q.Set("X-Amz-Credential", strings.Replace(q.Get("X-Amz-Credential"), "/kafka-cluster/", "/kafka/", 1))
		}), want: mskiam.Malformed},
		{name: "scope short", msg: edited(userCred, func(_ *url.URL, q url.Values) { q.Set("X-Amz-Credential", userCred.AccessKeyID+"/"+region) }), want: mskiam.Malformed},
		{name: "access key with newline", msg: edited(userCred, func(_ *url.URL, q url.Values) {
			q.Set("X-Amz-Credential", "AKIA\nFORGED LOG LINE/20260101/us-east-1/kafka-cluster/aws4_request")
		}), want: mskiam.Malformed},

		// Malformed GS2 framing.
		{name: "empty message", msg: raw(""), want: mskiam.Malformed},
		{name: "bare kvsep", msg: raw("\x01"), want: mskiam.Malformed},
		{name: "channel binding", msg: raw("p=tls-unique,,\x01auth=Bearer abc\x01\x01"), want: mskiam.Malformed},
		{name: "no gs2 header", msg: raw("auth=Bearer abc\x01\x01"), want: mskiam.Malformed},
		{name: "bad authzid", msg: raw("n,alice,\x01auth=Bearer abc\x01\x01"), want: mskiam.Malformed},
		{name: "no kvsep after header", msg: raw("n,,auth=Bearer abc\x01\x01"), want: mskiam.Malformed},
		{name: "unterminated", msg: raw("n,,\x01auth=Bearer abc\x01"), want: mskiam.Malformed},
		{name: "unterminated pair", msg: raw("n,,\x01auth=Bearer abc"), want: mskiam.Malformed},
		{name: "trailing bytes", msg: func(t *testing.T) []byte { return append(bearer(t, signerToken(t, region, userCred)), "x"...) }, want: mskiam.Malformed},
		{name: "no auth pair", msg: raw("n,,\x01host=x\x01\x01"), want: mskiam.Malformed},
		{name: "two auth pairs", msg: raw("n,,\x01auth=Bearer a\x01auth=Bearer b\x01\x01"), want: mskiam.Malformed},
		{name: "basic scheme", msg: raw("n,,\x01auth=Basic YWxpY2U6cHc=\x01\x01"), want: mskiam.Malformed},
		{name: "empty bearer", msg: raw("n,,\x01auth=Bearer \x01\x01"), want: mskiam.Malformed},
		{name: "key not alpha", msg: raw("n,,\x01au-th=Bearer a\x01\x01"), want: mskiam.Malformed},
		{name: "pair without =", msg: raw("n,,\x01auth\x01\x01"), want: mskiam.Malformed},
		{name: "control byte in value", msg: raw("n,,\x01auth=Bearer a\x00b\x01\x01"), want: mskiam.Malformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier()
			if tc.setup != nil {
				tc.setup(v)
			}
			s, err := v.VerifyOAuthBearer(tc.msg(t), broker1)
			if tc.want != 0 {
				checkRejected(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if s.AccessKeyID != tc.wantAK {
				t.Errorf("AccessKeyID = %q, want %q", s.AccessKeyID, tc.wantAK)
			}
			wantARN := map[string]string{userCred.AccessKeyID: userCred.PrincipalARN, roleCred.AccessKeyID: roleCred.PrincipalARN}[tc.wantAK]
			if s.PrincipalARN != wantARN {
				t.Errorf("PrincipalARN = %q, want %q", s.PrincipalARN, wantARN)
			}
			wantLeft := tc.wantLeft
			if wantLeft == 0 {
				wantLeft = 15 * time.Minute
			}
			now := time.Now()
			if v.Now != nil {
				now = v.Now()
			}
			if left := s.Expires.Sub(now); left < wantLeft-time.Minute || left > wantLeft+time.Second {
				t.Errorf("Expires %v is %v after the verifier's now; want about %v (the signer signs for 900 s)", s.Expires, left, wantLeft)
			}
		})
	}
}

// The session expiry is the one the signer itself reports to its caller.
func TestVerifyOAuthBearerExpiresMatchesSigner(t *testing.T) {
	t.Parallel()
	for _, c := range []mskiam.Credential{userCred, roleCred} {
		tok, expMs := signerTokenExpiry(t, region, c)
		s, err := newVerifier().VerifyOAuthBearer(bearer(t, tok), broker2)
		if err != nil {
			t.Fatalf("%s: %v", c.AccessKeyID, err)
		}
		if got := s.Expires.UnixMilli(); got != expMs {
			t.Errorf("%s: Expires = %d ms, signer says %d ms", c.AccessKeyID, got, expMs)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	v := newVerifier()
	v.Credentials = []mskiam.Credential{{AccessKeyID: userCred.AccessKeyID, SecretAccessKey: "otherSecretKeyEXAMPLEEXAMPLEEXAMPLE0000"}}
	_, err := v.VerifyOAuthBearer(bearer(t, signerToken(t, region, userCred)), broker1)
	const prefix = "mskiam: signature mismatch for access key AKIAIOSFODNN7EXAMPLE: "
	if err == nil || !strings.HasPrefix(err.Error(), prefix) {
		t.Fatalf("error = %v; want prefix %q", err, prefix)
	}
	_, err = v.VerifyOAuthBearer([]byte("x"), broker1)
	if err == nil || !strings.HasPrefix(err.Error(), "mskiam: malformed token: ") {
		t.Fatalf("error = %v; want prefix %q", err, "mskiam: malformed token: ")
	}
}

func TestVerifierConfigErrors(t *testing.T) {
	t.Parallel()
	v := &mskiam.Verifier{Credentials: []mskiam.Credential{userCred}}
	_, err := v.VerifyOAuthBearer(bearer(t, signerToken(t, region, userCred)), broker1)
	var e *mskiam.Error
	if err == nil || errors.As(err, &e) || !strings.Contains(err.Error(), "Region") {
		t.Errorf("empty Region: error = %v; want a configuration error naming Region, not a token rejection", err)
	}
	_, err = newVerifier().VerifyAWSMSKIAM(franzPayload(t, broker1+":9098", userCred), "")
	if err == nil || errors.As(err, &e) {
		t.Errorf("empty broker host: error = %v; want a configuration error", err)
	}
}

func TestReasonString(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for r := mskiam.Malformed; r <= mskiam.SessionTokenMismatch; r++ {
		s := r.String()
		if strings.HasPrefix(s, "Reason(") || seen[s] {
			t.Errorf("Reason %d has no distinct name: %q", int(r), s)
		}
		seen[s] = true
	}
	if got := mskiam.Expired.Error(); got != "mskiam: expired token" {
		t.Errorf("Expired.Error() = %q", got)
	}
	if got := mskiam.Reason(99).String(); got != "Reason(99)" {
		t.Errorf("Reason(99).String() = %q", got)
	}
}

// One Verifier serves many connections at once; run with -race.
func TestVerifyConcurrent(t *testing.T) {
	t.Parallel()
	v := newVerifier()
	msgs := [][]byte{bearer(t, signerToken(t, region, userCred)), bearer(t, signerToken(t, region, roleCred))}
	payloads := [][]byte{franzPayload(t, broker1+":9098", userCred), franzPayload(t, broker1+":9098", roleCred)}
	errs := make(chan error, 64)
	for i := range cap(errs) {
		go func() {
			var err error
			if i%2 == 0 {
				_, err = v.VerifyOAuthBearer(msgs[i/2%2], broker1)
			} else {
				_, err = v.VerifyAWSMSKIAM(payloads[i/2%2], broker1)
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// aws-sdk-go-v2's SigV4 signer caches derived keys by access key, region and
// service but not by secret. Two verifiers that know the same access key with
// different secrets (or one whose secret was rotated) must not share that
// cache: the second must reject what only the first secret signed.
func TestNoDerivedKeyReuseAcrossSecrets(t *testing.T) {
	t.Parallel()
	tok := bearer(t, signerToken(t, region, userCred))
	payload := franzPayload(t, broker1+":9098", userCred)
	right := newVerifier()
	rotated := newVerifier()
	rotated.Credentials = []mskiam.Credential{{AccessKeyID: userCred.AccessKeyID, SecretAccessKey: "otherSecretKeyEXAMPLEEXAMPLEEXAMPLE0000"}}
	for range 2 {
		if _, err := right.VerifyOAuthBearer(tok, broker1); err != nil {
			t.Fatal(err)
		}
		_, err := rotated.VerifyOAuthBearer(tok, broker1)
		checkRejected(t, err, mskiam.SignatureMismatch)
		if _, err := right.VerifyAWSMSKIAM(payload, broker1); err != nil {
			t.Fatal(err)
		}
		_, err = rotated.VerifyAWSMSKIAM(payload, broker1)
		checkRejected(t, err, mskiam.SignatureMismatch)
	}
}

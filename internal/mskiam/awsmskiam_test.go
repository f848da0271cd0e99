package mskiam_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/mskiam"
)

func TestVerifyAWSMSKIAM(t *testing.T) {
	t.Parallel()
	const westBroker = "b-1.demo.abc123.c2.kafka.us-west-2.amazonaws.com"
	wrongSecret := userCred
	wrongSecret.SecretAccessKey = "otherSecretKeyEXAMPLEEXAMPLEEXAMPLE0000"
	roleNoToken := roleCred
	roleNoToken.SessionToken = ""
	roleOtherToken := roleCred
	roleOtherToken.SessionToken = "otherSessionTokenEXAMPLE"
	userWithToken := userCred
	userWithToken.SessionToken = "otherSessionTokenEXAMPLE"

	franz := func(c mskiam.Credential) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return franzPayload(t, broker1+":9098", c) }
	}
	edited := func(c mskiam.Credential, edit func(kv map[string]string)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return editPayload(t, franzPayload(t, broker1+":9098", c), edit) }
	}
	raw := func(s string) func(t *testing.T) []byte { return func(*testing.T) []byte { return []byte(s) } }

	tests := []struct {
		name       string
		payload    func(t *testing.T) []byte
		brokerHost string // default broker1
		setup      func(v *mskiam.Verifier)
		want       mskiam.Reason // 0: accepted
		wantAK     string
	}{
		// Accepted: payloads from franz-go's sasl/aws and of the Java shape.
		{name: "franz-go long-term key", payload: franz(userCred), wantAK: userCred.AccessKeyID},
		{name: "franz-go session token", payload: franz(roleCred), wantAK: roleCred.AccessKeyID},
		{name: "broker host with port", payload: franz(userCred), brokerHost: broker1 + ":9098", wantAK: userCred.AccessKeyID},
		{name: "broker host upper case", payload: franz(userCred), brokerHost: strings.ToUpper(broker1), wantAK: userCred.AccessKeyID},
		{name: "java shape, session token, 899 s", payload: func(t *testing.T) []byte { return javaShapedPayload(t, broker1, region, roleCred, "899") }, wantAK: roleCred.AccessKeyID},
		{name: "java shape, long-term key", payload: func(t *testing.T) []byte { return javaShapedPayload(t, broker1, region, userCred, "900") }, wantAK: userCred.AccessKeyID},
		{name: "user-agent changed (unsigned)", payload: edited(userCred, func(kv map[string]string) { kv["user-agent"] = "other" }), wantAK: userCred.AccessKeyID},
		{name: "6m old, within expiry", payload: franz(roleCred), setup: func(v *mskiam.Verifier) { v.Now = shifted(6 * time.Minute) }, wantAK: roleCred.AccessKeyID},
		{name: "unknown extra key", payload: edited(userCred, func(kv map[string]string) { kv["x-future"] = "1" }), wantAK: userCred.AccessKeyID},

		// Signature.
		{name: "tampered signature", payload: edited(userCred, func(kv map[string]string) { kv["x-amz-signature"] = flipHex(kv["x-amz-signature"]) }), want: mskiam.SignatureMismatch},
		{name: "tampered expiry", payload: edited(userCred, func(kv map[string]string) { kv["x-amz-expires"] = "901" }), want: mskiam.SignatureMismatch},
		{name: "wrong secret", payload: franz(wrongSecret), want: mskiam.SignatureMismatch},
		{name: "unknown access key", payload: franz(userCred), setup: func(v *mskiam.Verifier) { v.Credentials = []mskiam.Credential{roleCred} }, want: mskiam.UnknownAccessKey},

		// Scope, host, action.
		{name: "wrong region", payload: func(t *testing.T) []byte { return franzPayload(t, westBroker+":9098", userCred) }, brokerHost: westBroker, want: mskiam.WrongRegion},
		{name: "signed for another broker", payload: franz(userCred), brokerHost: broker2, want: mskiam.WrongHost},
		{name: "host tampered", payload: edited(userCred, func(kv map[string]string) { kv["host"] = broker2 }), want: mskiam.WrongHost},
		{name: "wrong action", payload: edited(userCred, func(kv map[string]string) { kv["action"] = "kafka-cluster:*" }), want: mskiam.WrongAction},

		// Time.
		{name: "expired", payload: franz(userCred), setup: func(v *mskiam.Verifier) { v.Now = shifted(15*time.Minute + time.Second) }, want: mskiam.Expired},
		{name: "client clock ahead", payload: franz(roleCred), setup: func(v *mskiam.Verifier) { v.Now = shifted(-6 * time.Minute) }, want: mskiam.ClockSkew},
		{name: "client clock behind by more than the lifetime", payload: franz(roleCred), setup: func(v *mskiam.Verifier) { v.Now = shifted(20 * time.Minute) }, want: mskiam.Expired},
		{name: "MaxAge: client clock behind", payload: franz(roleCred), setup: func(v *mskiam.Verifier) { v.Now = shifted(6 * time.Minute); v.MaxAge = 5 * time.Minute }, want: mskiam.ClockSkew},

		// Session token.
		{name: "session token missing", payload: franz(roleNoToken), want: mskiam.SessionTokenMismatch},
		{name: "session token wrong", payload: franz(roleOtherToken), want: mskiam.SessionTokenMismatch},
		{name: "session token unexpected", payload: franz(userWithToken), want: mskiam.SessionTokenMismatch},
		{name: "session token removed", payload: edited(roleCred, func(kv map[string]string) { delete(kv, "x-amz-security-token") }), want: mskiam.SessionTokenMismatch},

		// Malformed.
		{name: "not JSON", payload: raw("version=2020_10_22"), want: mskiam.Malformed},
		{name: "JSON array", payload: raw(`["2020_10_22"]`), want: mskiam.Malformed},
		{name: "JSON null", payload: raw(`null`), want: mskiam.Malformed},
		{name: "number value", payload: raw(`{"version":"2020_10_22","x-amz-expires":900}`), want: mskiam.Malformed},
		{name: "empty payload", payload: raw(``), want: mskiam.Malformed},
		{name: "wrong version", payload: edited(userCred, func(kv map[string]string) { kv["version"] = "2021_01_01" }), want: mskiam.Malformed},
		{name: "no version", payload: edited(userCred, func(kv map[string]string) { delete(kv, "version") }), want: mskiam.Malformed},
		{name: "no signature", payload: edited(userCred, func(kv map[string]string) { delete(kv, "x-amz-signature") }), want: mskiam.Malformed},
		{name: "no host", payload: edited(userCred, func(kv map[string]string) { delete(kv, "host") }), want: mskiam.Malformed},
		{name: "upper-case keys", payload: edited(userCred, func(kv map[string]string) { kv["X-Amz-Date"] = kv["x-amz-date"]; delete(kv, "x-amz-date") }), want: mskiam.Malformed},
		{name: "date unparsable", payload: edited(userCred, func(kv map[string]string) { kv["x-amz-date"] = "2026-01-01T00:00:00Z" }), want: mskiam.Malformed},
		{name: "expires negative", payload: edited(userCred, func(kv map[string]string) { kv["x-amz-expires"] = "-1" }), want: mskiam.Malformed},
		{name: "algorithm", payload: edited(userCred, func(kv map[string]string) { kv["x-amz-algorithm"] = "AWS4-ECDSA-P256-SHA256" }), want: mskiam.Malformed},
		{name: "credential not a scope", payload: edited(userCred, func(kv map[string]string) { kv["x-amz-credential"] = userCred.AccessKeyID }), want: mskiam.Malformed},
		{name: "signed headers", payload: edited(userCred, func(kv map[string]string) { kv["x-amz-signedheaders"] = "" }), want: mskiam.Malformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier()
			if tc.setup != nil {
				tc.setup(v)
			}
			host := tc.brokerHost
			if host == "" {
				host = broker1
			}
			payload := tc.payload(t)
			s, err := v.VerifyAWSMSKIAM(payload, host)
			if tc.want != 0 {
				checkRejected(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v\npayload: %s", err, payload)
			}
			if s.AccessKeyID != tc.wantAK {
				t.Errorf("AccessKeyID = %q, want %q", s.AccessKeyID, tc.wantAK)
			}
			wantARN := map[string]string{userCred.AccessKeyID: userCred.PrincipalARN, roleCred.AccessKeyID: roleCred.PrincipalARN}[tc.wantAK]
			if s.PrincipalARN != wantARN {
				t.Errorf("PrincipalARN = %q, want %q", s.PrincipalARN, wantARN)
			}
			// Expires is X-Amz-Date + X-Amz-Expires, read independently here.
			var kv map[string]string
			if err := json.Unmarshal(payload, &kv); err != nil {
				t.Fatal(err)
			}
			signed, err := time.Parse("20060102T150405Z", kv["x-amz-date"])
			if err != nil {
				t.Fatal(err)
			}
			secs, err := time.ParseDuration(kv["x-amz-expires"] + "s")
			if err != nil {
				t.Fatal(err)
			}
			if want := signed.Add(secs); !s.Expires.Equal(want) {
				t.Errorf("Expires = %v, want %v", s.Expires, want)
			}
		})
	}
}

func TestAWSMSKIAMServerResponse(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"3f1c7a52-8a9e-4d3b-b1a6-0e5f0c8f2a11", `we"ird\id`, ""} {
		b := mskiam.AWSMSKIAMServerResponse(id)
		// The Java client's AuthenticationResponse takes exactly these two
		// properties and rejects any version but 2020_10_22.
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", id, b, err)
		}
		if len(got) != 2 || got["version"] != "2020_10_22" || got["request-id"] != id {
			t.Errorf("%q: response %s; want exactly version 2020_10_22 and request-id", id, b)
		}
	}
}

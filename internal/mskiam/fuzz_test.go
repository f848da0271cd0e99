package mskiam_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sasl/oauth"

	"github.com/mskvpce/mskvpce/internal/mskiam"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz seed corpora with fresh tokens from the real client libraries")

var amzDate = regexp.MustCompile(`[0-9]{8}T[0-9]{6}Z`)

// fuzzClock puts the verifier's clock a minute after the X-Amz-Date found in
// msg (inside the base64 token for OAUTHBEARER), so that tokens signed when
// the seeds were written still reach the signature check; without a date it
// is a fixed time.
func fuzzClock(msg []byte) func() time.Time {
	hay := msg
	if _, after, ok := bytes.Cut(msg, []byte("Bearer ")); ok {
		tok, _, _ := bytes.Cut(after, []byte{1})
		if raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(string(tok), "=")); err == nil {
			hay = raw
		}
	}
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if d := amzDate.Find(hay); d != nil {
		if parsed, err := time.Parse("20060102T150405Z", string(d)); err == nil {
			t = parsed.Add(time.Minute)
		}
	}
	return func() time.Time { return t }
}

// checkVerdict holds for any input: a session names a known credential and
// has not expired; a rejection is an *mskiam.Error with a named reason, a
// detail, and no secret key in it.
func checkVerdict(t *testing.T, v *mskiam.Verifier, s mskiam.Session, err error) {
	t.Helper()
	if err == nil {
		ok := false
		for _, c := range v.Credentials {
			ok = ok || (c.AccessKeyID == s.AccessKeyID && c.PrincipalARN == s.PrincipalARN)
		}
		if !ok {
			t.Fatalf("accepted with session %+v that names no known credential", s)
		}
		if !s.Expires.After(v.Now()) {
			t.Fatalf("accepted a session that expired at %v (now %v)", s.Expires, v.Now())
		}
		return
	}
	var e *mskiam.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *mskiam.Error", err, err)
	}
	if e.Reason < mskiam.Malformed || e.Reason > mskiam.SessionTokenMismatch || e.Detail == "" {
		t.Fatalf("error %#v has no named reason or no detail", e)
	}
	for _, c := range v.Credentials {
		if strings.Contains(err.Error(), c.SecretAccessKey) {
			t.Fatalf("error %q contains a secret access key", err)
		}
	}
}

func FuzzVerifyOAuthBearer(f *testing.F) {
	f.Add(bearer(f, signerToken(f, region, userCred)))
	f.Add(bearer(f, signerToken(f, region, roleCred)))
	f.Add(gs2(f, oauth.Auth{Zid: "alice", Token: signerToken(f, region, userCred), Extensions: map[string]string{"ext": "v"}}))
	f.Add([]byte("n,,\x01auth=Bearer \x01\x01"))
	f.Add([]byte("\x01"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		v := newVerifier()
		v.Now = fuzzClock(msg)
		s, err := v.VerifyOAuthBearer(msg, broker1)
		checkVerdict(t, v, s, err)
	})
}

func FuzzVerifyAWSMSKIAM(f *testing.F) {
	f.Add(franzPayload(f, broker1+":9098", userCred))
	f.Add(franzPayload(f, broker1+":9098", roleCred))
	f.Add(javaShapedPayload(f, broker1, region, roleCred, "899"))
	f.Add([]byte(`{"version":"2020_10_22"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		v := newVerifier()
		v.Now = fuzzClock(payload)
		s, err := v.VerifyAWSMSKIAM(payload, broker1)
		checkVerdict(t, v, s, err)
	})
}

// The committed seed corpora's real-* tokens must still be accepted: they are real tokens, and
// the fuzz clock follows their X-Amz-Date. This keeps the seeds meaningful
// (reaching the signature check) as the code changes.
func TestFuzzSeedsAccepted(t *testing.T) {
	if *updateSeeds {
		writeSeeds(t)
	}
	t.Parallel()
	for _, tc := range []struct {
		dir    string
		verify func(v *mskiam.Verifier, b []byte) error
	}{
		{"FuzzVerifyOAuthBearer", func(v *mskiam.Verifier, b []byte) error { _, err := v.VerifyOAuthBearer(b, broker1); return err }},
		{"FuzzVerifyAWSMSKIAM", func(v *mskiam.Verifier, b []byte) error { _, err := v.VerifyAWSMSKIAM(b, broker1); return err }},
	} {
		files, err := filepath.Glob(filepath.Join("testdata", "fuzz", tc.dir, "real-*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no real-* seeds in testdata (%v); run go test -run TestFuzzSeedsAccepted -update-seeds", tc.dir, err)
		}
		for _, file := range files {
			b := readSeed(t, file)
			v := newVerifier()
			v.Now = fuzzClock(b)
			if err := tc.verify(v, b); err != nil {
				t.Errorf("%s: %v", file, err)
			}
		}
	}
}

// writeSeeds writes real tokens, and a few broken ones, in the go fuzz corpus
// format.
func writeSeeds(t *testing.T) {
	t.Helper()
	seeds := map[string]map[string][]byte{
		"FuzzVerifyOAuthBearer": {
			"real-signer-user":      bearer(t, signerToken(t, region, userCred)),
			"real-signer-role":      bearer(t, signerToken(t, region, roleCred)),
			"real-authzid-ext":      gs2(t, oauth.Auth{Zid: "alice", Token: signerToken(t, region, roleCred), Extensions: map[string]string{"logicalCluster": "lkc-1"}}),
			"broken-other-region":   bearer(t, signerToken(t, otherRegion, userCred)),
			"broken-channel-bind":   []byte("p=tls-unique,,\x01auth=Bearer abc\x01\x01"),
			"broken-no-terminator":  []byte("n,,\x01auth=Bearer abc\x01"),
			"broken-not-base64":     []byte("n,,\x01auth=Bearer %%%\x01\x01"),
			"broken-http-url-token": bearer(t, base64.RawURLEncoding.EncodeToString([]byte("http://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect"))),
		},
		"FuzzVerifyAWSMSKIAM": {
			"real-franz-user":       franzPayload(t, broker1+":9098", userCred),
			"real-franz-role":       franzPayload(t, broker1+":9098", roleCred),
			"real-java-shape-role":  javaShapedPayload(t, broker1, region, roleCred, "899"),
			"broken-other-broker":   franzPayload(t, broker2+":9098", userCred),
			"broken-number":         []byte(`{"version":"2020_10_22","x-amz-expires":900}`),
			"broken-truncated-json": []byte(`{"version":"2020_10_22","host":"b-1`),
		},
	}
	for dir, files := range seeds {
		d := filepath.Join("testdata", "fuzz", dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range files {
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
			if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// readSeed reads a one-[]byte go fuzz corpus file.
func readSeed(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
		t.Fatalf("%s is not a one-[]byte go fuzz corpus file", file)
	}
	var s string
	if _, err := fmt.Sscanf(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"), "%q", &s); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return []byte(s)
}

package verify_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/verify"
)

const (
	clockRole       = "arn:aws:iam::111122223333:role/demo-databricks-msk"
	clockExternalID = "ext-1234"
)

// skewedSTS is STS whose clock is this machine's plus skew: its answers
// carry that clock in the Date header, and, as STS does, it refuses a
// request signed more than 15 minutes away from it (SignatureDoesNotMatch,
// "Signature expired"). AssumeRole returns the local cluster's credentials.
// With refuse, it refuses every request that way (a retry with a corrected
// signing time included).
func skewedSTS(t *testing.T, skew time.Duration, c localmsk.Credentials, refuse bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().Add(skew).UTC()
		w.Header().Set("Date", now.Format(http.TimeFormat))
		w.Header().Set("Content-Type", "text/xml")
		signed, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		if refuse || err != nil || signed.Sub(now) > 15*time.Minute || now.Sub(signed) > 15*time.Minute {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>Signature expired: %s is now earlier than %s (%s - 15 min.)</Message></Error><RequestId>skewed-sts</RequestId></ErrorResponse>`,
				r.Header.Get("X-Amz-Date"), now.Add(-15*time.Minute).Format("20060102T150405Z"), now.Format("20060102T150405Z"))
			return
		}
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "AssumeRole" || r.Form.Get("RoleArn") != clockRole || r.Form.Get("ExternalId") != clockExternalID {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error><RequestId>skewed-sts</RequestId></ErrorResponse>`)
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROACLOCK:%s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>skewed-sts</RequestId></ResponseMetadata></AssumeRoleResponse>`,
			c.AccessKeyID, c.SecretAccessKey, c.SessionToken, now.Add(time.Hour).Format(time.RFC3339), clockRole, verify.SessionName)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestClockSkewFromAWSDateHeader: with --role-arn the verifier calls STS
// anyway; the Date header of its answer measures this machine's clock, and
// a skew beyond MSK's 5 minutes is reported with its size and the fix even
// where the data path cannot see it (the local brokers' clock is right
// here). STS itself refuses beyond 15 minutes; the SDK then corrects its
// signing time and retries, and the skew is still reported.
func TestClockSkewFromAWSDateHeader(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	tg.Credentials = nil // assume the role instead
	size := regexp.MustCompile(`this machine's clock is (\S+) \(±2s\) (behind|ahead of) AWS's \(the Date header of STS's answer\)`)
	for _, aws := range []time.Duration{0, 4 * time.Minute, -4 * time.Minute, 6 * time.Minute, -6 * time.Minute, 20 * time.Minute, -20 * time.Minute, 30 * time.Minute, -30 * time.Minute, 3 * time.Hour, -3 * time.Hour} {
		t.Run(fmt.Sprintf("aws%+v", aws), func(t *testing.T) {
			t.Parallel()
			sts := skewedSTS(t, aws, env.Info().Credentials, false)
			rep, err := verify.Verify(context.Background(), verify.Request{
				Target: tg, Data: true,
				AWS:     clockConfig(sts.URL),
				RoleARN: clockRole, ExternalID: clockExternalID,
				Options: opts(5 * time.Second),
			})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			var table bytes.Buffer
			_ = rep.WriteTable(&table)
			var clock *verify.CheckResult
			for i := range rep.Checks {
				if rep.Checks[i].Check == verify.CheckClock {
					clock = &rep.Checks[i]
				}
			}
			if aws > -5*time.Minute && aws < 5*time.Minute {
				if clock != nil || !rep.Passed {
					t.Fatalf("a skew of %s is within the window: want PASS and no clock check, got:\n%s", aws, table.String())
				}
				return
			}
			if clock == nil || clock.OK || rep.Passed || rep.ExitCode() != 1 {
				t.Fatalf("want a failing clock check (exit 1), got:\n%s", table.String())
			}
			m := size.FindStringSubmatch(clock.Detail)
			if m == nil {
				t.Fatalf("%q does not give the skew's size", clock.Detail)
			}
			got, err := time.ParseDuration(m[1])
			if err != nil {
				t.Fatal(err)
			}
			want, dir := aws, "behind"
			if want < 0 {
				want, dir = -want, "ahead of"
			}
			if d := got - want; d < -3*time.Second || d > 3*time.Second || m[2] != dir {
				t.Errorf("measured %s %s, want %s %s (±2s)", got, m[2], want, dir)
			}
			if !strings.Contains(clock.NextStep, "sync this machine's clock") {
				t.Errorf("next step %q", clock.NextStep)
			}
			for _, p := range rep.Paths {
				if !p.Passed {
					t.Errorf("broker %d failed: the local brokers' clock is right", p.BrokerID)
				}
			}
		})
	}
}

// clockConfig is the caller's configuration, its STS at stsURL (the SDK's
// own BaseEndpoint, as AWS_ENDPOINT_URL_STS would set it).
func clockConfig(stsURL string) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDCALLER", "caller-secret", ""), BaseEndpoint: aws.String(stsURL)}
}

// TestAssumeRoleRefusedForSkew: when STS refuses the skewed request for
// good, the input error says it is this machine's clock, by how much.
func TestAssumeRoleRefusedForSkew(t *testing.T) {
	t.Parallel()
	env, tg := startEnv(t)
	tg.Credentials = nil
	sts := skewedSTS(t, -20*time.Minute, env.Info().Credentials, true)
	rep, err := verify.Verify(context.Background(), verify.Request{
		Target: tg, Data: true, AWS: clockConfig(sts.URL),
		RoleARN: clockRole, ExternalID: clockExternalID,
		Options: opts(5 * time.Second),
	})
	if rep != nil || !verify.IsInputError(err) {
		t.Fatalf("Verify = %v, %v; want an input error", rep, err)
	}
	for _, want := range []string{"assuming " + clockRole, "SignatureDoesNotMatch", "this machine's clock is 20m", "(±2s) ahead of AWS's", "sync this machine's clock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

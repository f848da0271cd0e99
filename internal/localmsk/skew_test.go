package localmsk

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
)

// tokenSignedAt is the MSK IAM token aws-msk-iam-sasl-signer-go builds (a
// presigned kafka-cluster:Connect URL, 900 s), signed at time at instead of now.
func tokenSignedAt(t *testing.T, info Info, at time.Time) string {
	t.Helper()
	ctx := context.Background()
	creds, err := staticCreds(info.Credentials).Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"Action": {"kafka-cluster:Connect"}, "X-Amz-Expires": {"900"}}
	u := fmt.Sprintf("https://kafka.%s.amazonaws.com/?%s", info.Region, q.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	empty := sha256.Sum256(nil)
	signed, _, err := v4.NewSigner().PresignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "kafka-cluster", info.Region, at.UTC())
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(signed))
}

// TestClockSkewSessionLifetime: with the brokers' clock moved by a skew, a
// token signed on the brokers' clock is accepted and gets the session
// lifetime the brokers' clock gives it, whichever way the clock is off; a
// token signed on this machine's clock is refused. This is what lets a
// client diagnose the skew by signing at shifted times.
func TestClockSkewSessionLifetime(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{-time.Hour, -20 * time.Minute, 20 * time.Minute, time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			t.Parallel()
			e := startEnv(t, Options{})
			info := e.Info()
			e.SetClockSkew(skew)
			host := info.Brokers[0].Hostname

			auth := func(tok string) int16 {
				c := dialRaw(t, info, 1)
				c.handshake("OAUTHBEARER")
				resp, err := c.authenticate(clientFirst(t, oauth.Oauth(func(context.Context) (oauth.Auth, error) {
					return oauth.Auth{Token: tok}, nil
				}), host))
				if err != nil {
					t.Fatalf("SaslAuthenticate: %v", err)
				}
				if resp.ErrorCode == 0 {
					lifetime := time.Duration(resp.SessionLifetimeMillis) * time.Millisecond
					if lifetime <= 14*time.Minute || lifetime > 15*time.Minute {
						t.Errorf("session lifetime %s for a fresh 15-minute token on the brokers' clock; want just under 15m", lifetime)
					}
					if _, err := c.roundTrip(metadataReq()); err != nil {
						t.Errorf("Metadata after authenticating: %v", err)
					}
				}
				return resp.ErrorCode
			}
			if code := auth(tokenSignedAt(t, info, time.Now().Add(skew))); code != 0 {
				t.Errorf("token signed on the brokers' clock (skew %s): error code %d, want accepted", skew, code)
			}
			if code := auth(tokenSignedAt(t, info, time.Now())); code == 0 {
				t.Errorf("token signed on this machine's clock accepted despite a %s skew", skew)
			}
		})
	}
}

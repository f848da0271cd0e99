package verify

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/mskvpce/mskvpce/internal/finding"
)

// SigV4's window, as MSK applies it to IAM tokens: a token may be dated at
// most sigV4MaxAhead after the broker's clock, and stays valid for its
// X-Amz-Expires after its date.
const (
	sigV4MaxAhead = 5 * time.Minute
	tokenExpires  = 900 * time.Second // what aws-msk-iam-sasl-signer-go and aws-msk-iam-auth sign
	probeExpires  = 7 * 24 * time.Hour
	// skewRange bounds the offsets measured; skewResolution is where the
	// bisection stops (the report says ±1 min).
	skewRange      = 3 * 24 * time.Hour
	skewResolution = 20 * time.Second
)

// probeSkew measures this machine's clock against the broker's when the
// broker answers "Access denied", which MSK gives alike for bad credentials
// and for a skewed clock. Tokens valid for 7 days are accepted iff their date
// is at most 5 minutes after the broker's clock, so a bisection over signing
// offsets finds that edge (about 14 connections through this path, only on
// failure). It returns the broker's clock minus this machine's, and true
// when that offset explains the rejection of a normal 15-minute token.
func (pr *pathRun) probeSkew(ctx context.Context) (time.Duration, bool) {
	creds, err := pr.t.Credentials.Retrieve(ctx)
	if err != nil {
		return 0, false
	}
	accepted := func(off time.Duration) (bool, bool) {
		if ctx.Err() != nil {
			return false, false
		}
		tok, err := signToken(ctx, pr.t.Region, creds, time.Now().Add(off), probeExpires)
		if err != nil {
			return false, false
		}
		// Only the broker's verdict counts: a connection that failed
		// (a busy machine, the stage's deadline) says nothing of the
		// token, and read as a refusal it would move the edge.
		return pr.tokenVerdict(ctx, tok)
	}
	// lo is accepted, hi is not: the edge (skew + 5m) lies between.
	lo, hi := time.Duration(0), time.Duration(0)
	ok, live := accepted(0)
	switch {
	case !live:
		return 0, false
	case ok:
		lo, hi = 0, skewRange
		if ok, live = accepted(hi); !live || ok {
			return 0, false // more than 3 days, or not a clock at all
		}
	default:
		lo, hi = -skewRange, 0
		if ok, live = accepted(lo); !live || !ok {
			return 0, false // no signing time is accepted: not skew
		}
	}
	for hi-lo > skewResolution {
		mid := lo + (hi-lo)/2
		ok, live := accepted(mid)
		if !live {
			return 0, false
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	skew := (lo+hi)/2 - sigV4MaxAhead
	// A normal token (dated now, valid 15 minutes) is refused when the
	// broker's clock is more than 5 minutes behind, or 15 minutes ahead.
	if skew >= -sigV4MaxAhead && skew < tokenExpires {
		return skew, false
	}
	return skew.Round(time.Second), true
}

// tryToken opens a fresh connection through this path's endpoint and
// reports whether the broker accepts tok.
func (pr *pathRun) tryToken(ctx context.Context, tok string) bool {
	ok, _ := pr.tokenVerdict(ctx, tok)
	return ok
}

// tokenVerdict is tryToken saying too whether the broker answered: true
// for an accepted token and for a SASL authentication failure, false when
// the connection failed before a verdict.
func (pr *pathRun) tokenVerdict(ctx context.Context, tok string) (accepted, answered bool) {
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: &tls.Config{ServerName: pr.host, RootCAs: pr.t.RootCAs, MinVersion: tls.VersionTLS12}}
	c, err := d.DialContext(ctx, "tcp", pr.path.Endpoint)
	if err != nil {
		return false, false
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	probe := &pathRun{t: pr.t, o: pr.o, path: pr.path, host: pr.host, conn: c}
	b := sarama.NewBroker(pr.path.Advertised)
	defer b.Close()
	if err := b.Open(probe.saramaConfig(staticToken(tok))); err != nil {
		return false, false
	}
	ok, err := b.Connected()
	if ok && err == nil {
		return true, true
	}
	return false, errors.Is(err, sarama.ErrSASLAuthenticationFailed) && ctx.Err() == nil
}

type staticToken string

func (s staticToken) Token() (*sarama.AccessToken, error) {
	return &sarama.AccessToken{Token: string(s)}, nil
}

// signToken builds the MSK IAM token the way aws-msk-iam-sasl-signer-go does
// (a presigned kafka-cluster:Connect URL, base64url), but signed at time at
// and valid for expires.
func signToken(ctx context.Context, region string, c aws.Credentials, at time.Time, expires time.Duration) (string, error) {
	q := url.Values{"Action": {"kafka-cluster:Connect"}, "X-Amz-Expires": {strconv.Itoa(int(expires.Seconds()))}}
	u := url.URL{Scheme: "https", Host: fmt.Sprintf("kafka.%s.amazonaws.com", region), Path: "/", RawQuery: q.Encode()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	empty := sha256.Sum256(nil)
	signed, _, err := v4.NewSigner().PresignHTTP(ctx, c, req, hex.EncodeToString(empty[:]), "kafka-cluster", region, at.UTC())
	if err != nil {
		return "", err
	}
	su, err := url.Parse(signed)
	if err != nil {
		return "", err
	}
	sq := su.Query()
	sq.Set("User-Agent", "mskvpce-verify-skew-probe")
	su.RawQuery = sq.Encode()
	return base64.RawURLEncoding.EncodeToString([]byte(su.String())), nil
}

// skewError is an IAM token rejection explained by clock skew: offset is the
// broker's clock minus this machine's, measured to about ±1 minute.
type skewError struct {
	offset time.Duration
	err    error
}

func (e *skewError) Error() string { return fmt.Sprintf("clock skew of about %s", e.offset) }
func (e *skewError) Unwrap() error { return e.err }

// A token signed on a clock that runs behind the broker's is accepted (MSK,
// like every SigV4 presigned request, takes a token until its date plus
// X-Amz-Expires; clients reuse one token for up to ~12 of its 15 minutes),
// so such a skew never fails sasl. behindCheck finds it anyway, with one
// extra connection on a passing run: a token dated 2×5 minutes ahead is
// accepted only by a broker whose clock is at least 5 minutes ahead of
// this machine's; then the bisection measures it.
func behindCheck(ctx context.Context, runs []*pathRun, o Options) (finding.Finding, bool) {
	var via *pathRun
	for _, pr := range runs {
		if pr.skewed {
			return finding.Finding{}, false // its sasl failure already says it
		}
		if via == nil && pr.stageOK(StageSASL) {
			via = pr
		}
	}
	if via == nil || ctx.Err() != nil {
		return finding.Finding{}, false
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, o.StageTimeout)
	defer cancel()
	creds, err := via.t.Credentials.Retrieve(ctx)
	if err != nil {
		return finding.Finding{}, false
	}
	tok, err := signToken(ctx, via.t.Region, creds, time.Now().Add(2*sigV4MaxAhead), probeExpires)
	if err != nil || !via.tryToken(ctx, tok) {
		return finding.Finding{}, false
	}
	off, _ := via.probeSkew(ctx)
	if off < sigV4MaxAhead-skewResolution {
		return finding.Finding{}, false // the probe was cut short
	}
	return finding.Finding{
		Check:  CheckClock,
		Target: "this machine",
		Detail: fmt.Sprintf("clock skew: this machine's clock is %s (±1m) behind the broker's (measured through broker %d by signing tokens at shifted times), beyond SigV4's 5m: "+
			"the paths passed only because MSK accepts a token for 15m after its date; every token signed here arrives %s old, and from 15m behind every one is refused",
			off.Round(time.Minute), via.path.BrokerID, off.Round(time.Minute)),
		NextStep: skewNext,
		Millis:   time.Since(start).Milliseconds(),
	}, true
}

const skewNext = "sync this machine's clock (chrony/NTP; `chronyc makestep` or `timedatectl set-ntp true`): SigV4 tokens are rejected when the clock is more than 5 minutes fast or 15 minutes slow"

// awsClock reads AWS's clock off the HTTP Date header of the answers of an
// AWS endpoint the verifier calls anyway (STS AssumeRole): the offset is
// AWS's clock minus this machine's, at the middle of the exchange, to ±1 s
// plus half the round trip.
type awsClock struct {
	base interface {
		Do(*http.Request) (*http.Response, error)
	}
	mu     sync.Mutex
	offset time.Duration
	seen   bool
}

func (c *awsClock) Do(req *http.Request) (*http.Response, error) {
	t0 := time.Now()
	resp, err := c.base.Do(req)
	t1 := time.Now()
	if err == nil {
		if at, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			// Date has whole seconds: its true value is up to 1 s later.
			off := at.Add(500 * time.Millisecond).Sub(t0.Add(t1.Sub(t0) / 2))
			c.mu.Lock()
			c.offset, c.seen = off, true
			c.mu.Unlock()
		}
	}
	return resp, err
}

// skew returns the last offset read, when one was and it is beyond the
// window MSK gives IAM tokens (5 minutes either way).
func (c *awsClock) skew() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset, c.seen && absDur(c.offset) > sigV4MaxAhead
}

// awsClockFinding reports a skew read off an AWS Date header.
func awsClockFinding(off time.Duration, endpoint string) finding.Finding {
	rel, effect := "behind", fmt.Sprintf("MSK accepts a token for 15m after its date: every token signed here arrives %s old, and from 15m behind every one is refused", off.Round(time.Second))
	if off < 0 {
		rel, effect = "ahead of", "MSK refuses IAM tokens dated more than 5m ahead of its clock: every token signed here is refused"
	}
	return finding.Finding{
		Check:    CheckClock,
		Target:   "this machine",
		Detail:   fmt.Sprintf("clock skew: this machine's clock is %s (±2s) %s AWS's (the Date header of %s's answer), beyond SigV4's 5m: %s", absDur(off).Round(time.Second), rel, endpoint, effect),
		NextStep: skewNext,
	}
}

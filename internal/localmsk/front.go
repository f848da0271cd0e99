package localmsk

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/mskvpce/mskvpce/internal/localmsk/switchable"
)

// The SASL mechanisms an MSK broker enables on its IAM listener (9098).
const (
	mechAWSMSKIAM   = "AWS_MSK_IAM"
	mechOAuthBearer = "OAUTHBEARER"
)

var enabledMechanisms = []string{mechAWSMSKIAM, mechOAuthBearer}

// authResult is a successful SASL authentication.
type authResult struct {
	principal      string
	expires        time.Time
	serverResponse []byte // SaslAuthenticate auth bytes sent back to the client
}

// verdict is the authorization decision for one request (see mskauthz.Verdict).
type verdict struct {
	allow    bool
	relay    kmsg.Request        // when allow: what to send upstream (nil: the request itself)
	response kmsg.Response       // when !allow: the complete answer
	filter   func(kmsg.Response) // when allow: optional post-processing of the relayed answer
	close    bool                // close the connection after answering (acks=0 produce errors)
	denied   []string
}

// guard authenticates SASL exchanges and authorizes requests. The Env's
// guard is backed by internal/mskiam and internal/mskauthz.
type guard interface {
	authenticate(mech string, auth []byte, brokerHost, requestID string) (authResult, error)
	authorize(req kmsg.Request) verdict
}

// front is one broker's 9098 listener: TLS, SASL/IAM, IAM authorization,
// and a relay of every authorized request to the kfake broker behind it.
type front struct {
	env      *Env
	id       int    // MSK broker id, 1-based
	host     string // advertised hostname, what tokens are signed for
	upstream string // the kfake broker's real address
	log      *slog.Logger

	limiter connectLimiter

	mu sync.Mutex
	ln *switchable.Listener // the TLS listener, which the NLB stand-in targets; replaced by move
}

func newFront(e *Env, id int, host, upstream string) (*front, error) {
	f := &front{env: e, id: id, host: host, upstream: upstream, log: e.log.With("broker", id)}
	ln, err := f.listen()
	if err != nil {
		return nil, err
	}
	f.ln = ln
	return f, nil
}

func (f *front) listen() (*switchable.Listener, error) {
	ln, err := switchable.Listen(fmt.Sprintf("broker %d", f.id), "127.0.0.1:0", f.serveConn)
	if err != nil {
		return nil, fmt.Errorf("broker %d: listen for TLS clients: %w", f.id, err)
	}
	return ln, nil
}

// addr is where the broker's TLS listener is (host:port).
func (f *front) addr() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ln.Addr()
}

// setDown takes the broker's listener away (connections cut, new ones
// refused) or brings it back on the same address.
func (f *front) setDown(down bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.ln.SetDown(down); err != nil && !errors.Is(err, switchable.ErrClosed) {
		return err
	}
	return nil
}

// move puts the broker on a new address, as a replaced broker comes back
// at a new IP: the old address goes dead (its connections cut, nothing
// listening there any more) and the new one serves, up whatever the old
// one's state was.
func (f *front) move() (string, error) {
	ln, err := f.listen()
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	old := f.ln
	f.ln = ln
	f.mu.Unlock()
	old.Close()
	return ln.Addr(), nil
}

func (f *front) close() {
	f.mu.Lock()
	ln := f.ln
	f.mu.Unlock()
	ln.Close()
}

// serveConn runs one client connection to completion; ctx ends when the
// listener cuts it (the broker goes down, the environment closes).
func (f *front) serveConn(ctx context.Context, raw net.Conn) {
	defer raw.Close()
	admitted := f.limiter.admit(f.env.connectRate(), time.Now())
	tc := tls.Server(raw, f.env.tlsConfig)
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		f.log.Debug("TLS handshake failed", "remote", raw.RemoteAddr(), "err", err)
		return
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	up, err := d.DialContext(ctx, "tcp", f.upstream)
	if err != nil {
		f.log.Warn("cannot reach the Kafka broker behind the front", "upstream", f.upstream, "err", err)
		return
	}
	ln := switchable.Of(ctx) // the listener that accepted raw
	if !ln.Track(up) {
		up.Close()
		return
	}
	defer ln.Untrack(up)
	if t, ok := up.(*net.TCPConn); ok {
		t.SetNoDelay(true)
	}
	c := &conn{
		f:        f,
		client:   tc,
		up:       up,
		upR:      bufio.NewReaderSize(up, 64<<10),
		slots:    make(chan slot, 128),
		dead:     make(chan struct{}),
		admitted: admitted,
		log:      f.log.With("remote", raw.RemoteAddr().String()),
	}
	c.run()
}

// slot is one response position on a connection: Kafka answers strictly in
// request order, so local answers and relayed ones queue together.
type slot struct {
	local  []byte        // a whole frame to write, or nil
	relay  bool          // the next upstream frame is this slot's answer
	resp   kmsg.Response // for filter: an empty response of the right version
	filter func(kmsg.Response)
	close  bool // close the connection after writing this slot
}

type connState int

const (
	stateNew           connState = iota // only ApiVersions and SaslHandshake allowed
	stateHandshaken                     // SaslAuthenticate expected next
	stateHandshakenV0                   // a bare SASL token expected next (SaslHandshake v0)
	stateAuthenticated                  // relaying
)

type conn struct {
	f      *front
	client *tls.Conn
	up     net.Conn
	upR    *bufio.Reader
	slots  chan slot
	dead   chan struct{}
	once   sync.Once
	log    *slog.Logger

	// Reader-goroutine state.
	admitted  bool
	state     connState
	reauth    bool // the current handshake re-authenticates (KIP-368)
	mech      string
	principal string
	deadline  time.Time // the session's end; a request after it closes the connection
}

func (c *conn) shutdown() {
	c.once.Do(func() {
		close(c.dead)
		c.client.Close()
		c.up.Close()
	})
}

func (c *conn) run() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.write()
	}()
	err := c.read()
	switch {
	case errors.Is(err, errClosed):
		c.shutdown() // the client left: nobody reads what is in flight
	case err != nil:
		c.log.Info("closing client connection", "reason", err)
	}
	// Like a Kafka broker, drop what is in flight once the client is gone
	// or misbehaved, except a last local answer (a SASL failure) queued
	// with close set, which the writer still sends.
	close(c.slots)
	select {
	case <-done:
	case <-time.After(lingerForLastAnswer):
	}
	c.shutdown()
	<-done
}

// lingerForLastAnswer bounds how long a closing connection waits for the
// writer to send what is queued (a SASL failure and its error message).
const lingerForLastAnswer = 2 * time.Second

func (c *conn) enqueue(s slot) bool {
	select {
	case c.slots <- s:
		return true
	case <-c.dead:
		return false
	}
}

// errClosed ends read quietly: the client closed the connection, or the
// writer did.
var errClosed = errors.New("connection closed")

func (c *conn) read() error {
	br := bufio.NewReaderSize(c.client, 64<<10)
	api := c.f.env.api
	for {
		frame, err := readFrame(br)
		if err != nil {
			if errors.Is(err, errFrameTooLarge) {
				return err
			}
			return errClosed
		}
		if c.state == stateHandshakenV0 {
			// After SaslHandshake v0 the client sends the SASL token
			// itself, framed but without a Kafka request header.
			if stop, err := c.authenticateV0(frame[4:]); err != nil || stop {
				return err
			}
			continue
		}
		if len(frame) < 8 {
			return errors.New("request shorter than a Kafka request header")
		}
		key := int16(binary.BigEndian.Uint16(frame[4:6]))
		version := int16(binary.BigEndian.Uint16(frame[6:8]))
		if key == 18 {
			// ApiVersions passes through in any state but mid-SASL,
			// undecoded so that a version newer than ours still gets
			// the broker's UNSUPPORTED_VERSION answer; a version we
			// serve has its key table replaced by this Kafka version's.
			if c.state == stateHandshaken {
				return errors.New("ApiVersions between SaslHandshake and SaslAuthenticate")
			}
			s := slot{relay: true}
			if _, ok := api.supports(key, version); ok {
				s.resp = kmsg.NewPtrApiVersionsResponse()
				s.resp.SetVersion(version)
				s.filter = api.advertise
			}
			if !c.enqueue(s) {
				return nil
			}
			if _, err := c.up.Write(frame); err != nil {
				return nil
			}
			continue
		}
		if k, ok := api.supports(key, version); !ok {
			// A Kafka broker closes the connection on a request its
			// listener does not serve (the API or this version of it).
			if _, known := api.keys[key]; !known {
				return fmt.Errorf("%s (key %d) is not an API Kafka %s brokers serve", kmsg.NameForKey(key), key, api.version)
			}
			return fmt.Errorf("%s v%d is outside the versions Kafka %s serves (v%d-v%d)", kmsg.NameForKey(key), version, api.version, k.MinVersion, k.MaxVersion)
		}
		r, err := parseRequest(frame)
		if err != nil {
			return fmt.Errorf("unparseable request: %w", err)
		}
		r = upgradeForKfake(r)
		var stop bool
		switch req := r.req.(type) {
		case *kmsg.SASLHandshakeRequest:
			stop, err = c.handshake(r, req)
		case *kmsg.SASLAuthenticateRequest:
			stop, err = c.authenticate(r, req)
		default:
			stop, err = c.relay(r)
		}
		if err != nil || stop {
			return err
		}
	}
}

func (c *conn) respond(r request, resp kmsg.Response, closeAfter bool) bool {
	resp.SetVersion(r.version)
	return c.enqueue(slot{local: appendResponse(nil, resp, r.corr), close: closeAfter})
}

func (c *conn) handshake(r request, req *kmsg.SASLHandshakeRequest) (bool, error) {
	switch c.state {
	case stateHandshaken:
		return true, errors.New("second SaslHandshake without SaslAuthenticate")
	case stateAuthenticated:
		c.reauth = true
	}
	resp := req.ResponseKind().(*kmsg.SASLHandshakeResponse)
	resp.SupportedMechanisms = enabledMechanisms
	if req.Mechanism != mechAWSMSKIAM && req.Mechanism != mechOAuthBearer {
		resp.ErrorCode = kerr.UnsupportedSaslMechanism.Code
		c.log.Info("unsupported SASL mechanism", "mechanism", req.Mechanism)
		c.respond(r, resp, true)
		return true, nil
	}
	if c.reauth && req.Mechanism != c.mech {
		resp.ErrorCode = kerr.IllegalSaslState.Code
		c.respond(r, resp, true)
		return true, nil
	}
	c.mech = req.Mechanism
	c.state = stateHandshaken
	if req.Version == 0 {
		if c.reauth {
			// KIP-368: re-authentication needs SaslAuthenticate.
			return true, errors.New("SaslHandshake v0 to re-authenticate")
		}
		c.state = stateHandshakenV0
	}
	return !c.respond(r, resp, false), nil
}

func (c *conn) authenticate(r request, req *kmsg.SASLAuthenticateRequest) (bool, error) {
	if c.state != stateHandshaken {
		return true, errors.New("SaslAuthenticate without a SaslHandshake first")
	}
	resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
	requestID := newRequestID()
	server, lifetime, msg := c.checkToken(req.SASLAuthBytes, requestID)
	if msg != "" {
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		m := fmt.Sprintf("[%s]: %s", requestID, msg)
		resp.ErrorMessage = &m
		c.respond(r, resp, true)
		return true, nil
	}
	resp.SASLAuthBytes = server
	resp.SessionLifetimeMillis = lifetime.Milliseconds()
	return !c.respond(r, resp, false), nil
}

// authenticateV0 is the exchange after SaslHandshake v0 (KIP-43): the token
// and the server's answer travel as bare size-prefixed frames, and a
// failure closes the connection without an answer, as on a Kafka broker.
func (c *conn) authenticateV0(token []byte) (bool, error) {
	server, _, msg := c.checkToken(token, newRequestID())
	if msg != "" {
		return true, fmt.Errorf("SASL authentication (SaslHandshake v0) failed: %s", msg)
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(len(server)))
	return !c.enqueue(slot{local: append(out, server...)}), nil
}

// checkToken verifies one SASL token and, on success, moves the connection
// to the authenticated state. msg is non-empty on failure: MSK's message
// (without the request id).
func (c *conn) checkToken(token []byte, requestID string) (server []byte, lifetime time.Duration, msg string) {
	fail := func(msg, reason string) ([]byte, time.Duration, string) {
		c.log.Info("SASL authentication failed", "request_id", requestID, "mechanism", c.mech, "reason", reason)
		return nil, 0, msg
	}
	e := c.f.env
	if !c.admitted {
		return fail("Too many connects", "connection rate limit exceeded")
	}
	if e.rejectCredentials.Load() {
		return fail("Access denied", "credentials rejected on purpose (fault)")
	}
	res, err := e.guard.authenticate(c.mech, token, c.f.host, requestID)
	if err != nil {
		return fail("Access denied", err.Error())
	}
	if c.reauth && res.principal != c.principal {
		return fail("Access denied", fmt.Sprintf("re-authentication as %s on a connection of %s", res.principal, c.principal))
	}
	// The token's lifetime is judged on the brokers' clock (moved by
	// SetClockSkew), as the token itself was; the session then runs that
	// long on this process's clock, which relay checks.
	lifetime = res.expires.Sub(e.now())
	if max := e.opts.MaxSessionLifetime; lifetime > max {
		lifetime = max
	}
	if lifetime <= 0 {
		return fail("Access denied", "token already expired")
	}
	c.principal = res.principal
	c.deadline = time.Now().Add(lifetime)
	c.state = stateAuthenticated
	e.authentications.Add(1)
	c.log.Debug("SASL authenticated", "principal", res.principal, "mechanism", c.mech, "reauth", c.reauth, "session", lifetime)
	c.reauth = false
	return res.serverResponse, lifetime, ""
}

func (c *conn) relay(r request) (bool, error) {
	name := kmsg.NameForKey(r.req.Key())
	switch {
	case c.state == stateNew:
		return true, fmt.Errorf("%s before SASL authentication", name)
	case c.state == stateHandshaken:
		return true, fmt.Errorf("%s between SaslHandshake and SaslAuthenticate", name)
	case time.Now().After(c.deadline):
		return true, fmt.Errorf("%s after the SASL session expired at %s without re-authentication", name, c.deadline.Format(time.RFC3339))
	}
	v := c.f.env.guard.authorize(r.req)
	if len(v.denied) > 0 {
		c.log.Info("request denied", "request", name, "principal", c.principal, "allowed_in_part", v.allow, "denied", v.denied)
	}
	if !v.allow {
		if v.response == nil || !expectsResponse(r.req) {
			// Kafka closes an acks=0 producer's connection on error:
			// there is no response to carry it.
			return true, fmt.Errorf("%s denied; nothing to answer, so the connection closes", name)
		}
		return !c.respond(r, v.response, v.close), nil
	}
	out := r.raw
	relayed := r.req
	if v.relay != nil && v.relay != r.req {
		relayed = v.relay
		out = appendRequest(nil, r.clientID, relayed, r.corr)
	}
	if leaders := assignedLeaders(relayed); leaders != nil {
		v.filter = then(v.filter, c.f.env.placeLeaders(leaders))
	}
	v.filter = then(v.filter, c.f.env.offlineView(relayed))
	if r.version != relayed.GetVersion() { // upgraded for kfake: answer at the client's version
		f := v.filter
		v.filter = func(resp kmsg.Response) {
			if f != nil {
				f(resp)
			}
			resp.SetVersion(r.version)
		}
	}
	if expectsResponse(relayed) {
		s := slot{relay: true, close: v.close}
		if v.filter != nil {
			s.filter = v.filter
			s.resp = relayed.ResponseKind()
			s.resp.SetVersion(relayed.GetVersion())
		}
		if !c.enqueue(s) {
			return true, nil
		}
	} else if v.close && !c.enqueue(slot{close: true}) {
		return true, nil
	}
	if _, err := c.up.Write(out); err != nil {
		return true, nil
	}
	return v.close, nil
}

func (c *conn) write() {
	defer c.shutdown()
	for s := range c.slots {
		out := s.local
		if s.relay {
			frame, err := readFrame(c.upR)
			if err != nil {
				c.log.Debug("Kafka broker connection ended", "err", err)
				return
			}
			out = frame
			if s.filter != nil {
				corr, err := parseResponse(frame, s.resp)
				if err != nil {
					c.log.Warn("cannot decode a response to filter it", "err", err)
					return
				}
				s.filter(s.resp)
				out = appendResponse(nil, s.resp, corr) // s.resp may alias frame
			}
		}
		if out != nil {
			if _, err := c.client.Write(out); err != nil {
				return
			}
		}
		if s.close {
			return
		}
	}
}

// newRequestID is the UUID MSK puts in brackets in SASL error messages.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// connectLimiter is a token bucket of new connections per second, like the
// per-broker limit behind MSK's "Too many connects".
type connectLimiter struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func (l *connectLimiter) admit(perSecond float64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if perSecond <= 0 {
		l.last = time.Time{}
		return true
	}
	if l.last.IsZero() {
		l.tokens = max(perSecond, 1)
	} else {
		l.tokens += now.Sub(l.last).Seconds() * perSecond
	}
	l.last = now
	if burst := max(perSecond, 1); l.tokens > burst {
		l.tokens = burst
	}
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

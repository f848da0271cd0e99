package localmsk

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func seedFrames() [][]byte {
	f := kmsg.NewRequestFormatter(kmsg.FormatterClientID("fuzz"))
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.Version = 1
	hs.Mechanism = "OAUTHBEARER"
	md := kmsg.NewPtrMetadataRequest()
	md.Version = 12
	prod := kmsg.NewPtrProduceRequest()
	prod.Version = 9
	prod.Acks = 0
	fetch := kmsg.NewPtrFetchRequest()
	fetch.Version = 12
	fetch.MaxWaitMillis = 100
	return [][]byte{
		f.AppendRequest(nil, kmsg.NewPtrApiVersionsRequest(), 1),
		f.AppendRequest(nil, hs, 2),
		f.AppendRequest(nil, md, 3),
		f.AppendRequest(nil, prod, 4),
		f.AppendRequest(nil, fetch, 5),
		{0, 0, 0, 4, 0, 18, 0, 99},
		{0xff, 0xff, 0xff, 0xff},
		{},
	}
}

// FuzzParseRequest: any bytes either fail to parse or parse into a request
// that re-encodes and parses again to the same header.
func FuzzParseRequest(f *testing.F) {
	for _, s := range seedFrames() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRequest(b)
		if err != nil {
			return
		}
		again, err := parseRequest(appendRequest(nil, r.clientID, r.req, r.corr))
		if err != nil {
			t.Fatalf("re-encoded %s v%d does not parse: %v", kmsg.NameForKey(r.req.Key()), r.req.GetVersion(), err)
		}
		if again.corr != r.corr || again.req.Key() != r.req.Key() || again.req.GetVersion() != r.req.GetVersion() {
			t.Fatalf("header changed across re-encoding")
		}
		resp := r.req.ResponseKind()
		resp.SetVersion(r.req.GetVersion())
		parseResponse(b, resp) // must not panic either
	})
}

// FuzzReadFrame: a frame reader never panics or over-allocates on a bad
// size prefix.
func FuzzReadFrame(f *testing.F) {
	for _, s := range seedFrames() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		br := bufio.NewReader(bytes.NewReader(b))
		for {
			frame, err := readFrame(br)
			if err != nil {
				return
			}
			if len(frame) < 4 {
				t.Fatalf("frame of %d bytes, shorter than its size prefix", len(frame))
			}
		}
	})
}

// FuzzRelay throws arbitrary bytes at a broker's TLS front, before and
// after SASL authentication. The front may answer or disconnect, but it must
// not panic, and the environment must keep serving other clients.
func FuzzRelay(f *testing.F) {
	e, err := Start(context.Background(), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	info := e.Info()
	for _, s := range seedFrames() {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Add(bytes.Repeat(seedFrames()[2], 3), true)
	f.Fuzz(func(t *testing.T, b []byte, authenticate bool) {
		c := dialRaw(t, info, 1)
		if authenticate {
			c.handshake(mechOAuthBearer)
			if resp, err := c.authenticate(clientFirst(t, oauthBearer(info.Region, info.Credentials), info.Brokers[0].Advertised())); err != nil || resp.ErrorCode != 0 {
				t.Fatalf("authenticate: %v", err)
			}
		}
		c.conn.SetDeadline(time.Now().Add(2 * time.Second))
		c.conn.Write(b)
		c.conn.(*tls.Conn).CloseWrite()
		io.Copy(io.Discard, c.conn) // answers, then EOF; or the deadline
		c.conn.Close()

		// Liveness: a well-behaved client still gets served.
		probe := dialRaw(t, info, 1)
		probe.handshake(mechOAuthBearer)
		if resp, err := probe.authenticate(clientFirst(t, oauthBearer(info.Region, info.Credentials), info.Brokers[0].Advertised())); err != nil || resp.ErrorCode != 0 {
			t.Fatalf("a fresh client cannot authenticate after the fuzz input: %v", err)
		}
		if _, err := probe.roundTrip(metadataReq()); err != nil {
			t.Fatalf("a fresh client gets no metadata after the fuzz input: %v", err)
		}
	})
}

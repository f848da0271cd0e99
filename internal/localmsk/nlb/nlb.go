// Package nlb is a stand-in for one AWS Network Load Balancer in front of one
// MSK broker: a TCP forwarder on its own local address. It copies bytes
// between two *net.TCPConn with io.Copy, so on Linux the kernel's splice path
// moves the data, and it can be taken down, re-routed or slowed on purpose.
package nlb

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk/switchable"
)

// Forwarder is one NLB stand-in. Its listen address stays the same across
// SetDown(true)/SetDown(false).
type Forwarder struct {
	name string
	log  *slog.Logger
	ln   *switchable.Listener

	target   atomic.Pointer[string]
	latency  atomic.Int64 // time.Duration added each way, for new connections
	accepted atomic.Int64
	ready    chan struct{} // closed once ln is set (connections can arrive before Listen returns)

	mu   sync.Mutex // orders SetDown and SetTargetGone
	down bool
	gone bool
}

// Listen starts a forwarder on addr ("127.0.0.1:0" for any free port) that
// forwards every accepted connection to target.
func Listen(name, addr, target string, log *slog.Logger) (*Forwarder, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Forwarder{name: name, log: log, ready: make(chan struct{})}
	f.target.Store(&target)
	ln, err := switchable.Listen("NLB stand-in "+name, addr, f.forward)
	if err != nil {
		return nil, err
	}
	f.ln = ln
	close(f.ready) // the listener serves before Listen returns: forward waits for f.ln
	return f, nil
}

// Addr is the forwarder's listen address (host:port).
func (f *Forwarder) Addr() string { return f.ln.Addr() }

// Target is the address new connections are forwarded to.
func (f *Forwarder) Target() string { return *f.target.Load() }

// SetTarget routes new connections to addr; open connections stay where they are.
func (f *Forwarder) SetTarget(addr string) { f.target.Store(&addr) }

// SetLatency delays every chunk of data by d in each direction, for
// connections accepted from now on. Zero restores the splice path.
func (f *Forwarder) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

// Accepted counts the connections the forwarder has accepted.
func (f *Forwarder) Accepted() int64 { return f.accepted.Load() }

// Active counts the connections open right now (both sides of each).
func (f *Forwarder) Active() int { return f.ln.Active() }

// SetDown(true) closes the listener and every open connection, so clients
// get "connection refused"; SetDown(false) listens again on the same address.
func (f *Forwarder) SetDown(down bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
	return f.applyLocked()
}

// SetTargetGone(true) says nothing holds the target's address any more (the
// IP of a broker that was replaced at a new one): a client's connect then
// times out in the TCP handshake, as through an NLB whose only target IP is
// gone, and open connections are cut. A target that merely refuses (a
// broker down) resets clients instead, which SetTargetGone(false) restores.
func (f *Forwarder) SetTargetGone(gone bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gone = gone
	return f.applyLocked()
}

func (f *Forwarder) applyLocked() error {
	s := switchable.Up
	switch {
	case f.down:
		s = switchable.Down
	case f.gone:
		s = switchable.Blackhole
	}
	return f.ln.SetState(s)
}

// Close stops the forwarder and closes every connection through it.
func (f *Forwarder) Close() error { return f.ln.Close() }

// forward carries one client connection. ctx ends when the forwarder cuts
// the connection (down, Close): every wait below gives up then, so Close
// returns promptly whatever the latency.
func (f *Forwarder) forward(ctx context.Context, client net.Conn) {
	<-f.ready
	f.accepted.Add(1)
	lat := time.Duration(f.latency.Load())
	target := f.Target()
	if lat > 0 && !sleep(ctx, lat) { // the SYN's trip
		return
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	upstream, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		// A real NLB resets the client when its target refuses.
		f.log.Debug("NLB stand-in: target unreachable", "nlb", f.name, "target", target, "err", err)
		if tc, ok := client.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		return
	}
	if !f.ln.Track(upstream) {
		upstream.Close()
		return
	}
	defer f.ln.Untrack(upstream)
	defer upstream.Close()

	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		if lat > 0 {
			delayedCopy(ctx, dst, src, lat)
		} else {
			io.Copy(dst, src) // *net.TCPConn → *net.TCPConn: splice(2)
		}
		if tc, ok := dst.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(upstream, client)
	go pipe(client, upstream)
	<-done
	<-done
}

type chunk struct {
	b  []byte
	at time.Time
}

// sleep waits d, or less if ctx ends first; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// delayedCopy forwards src to dst, each chunk d after it was read, without
// limiting throughput to one chunk per d. It returns when src ends, dst
// fails or ctx ends (the connection was cut: both sides are closed then,
// so the reader's Read returns too).
func delayedCopy(ctx context.Context, dst, src net.Conn, d time.Duration) {
	ch := make(chan chunk, 256)
	go func() {
		defer close(ch)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				select {
				case ch <- chunk{b[:n], time.Now().Add(d)}:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	failed := false
	for c := range ch {
		if failed {
			continue // drain so the reader can finish
		}
		if !sleep(ctx, time.Until(c.at)) {
			src.Close()
			failed = true
			continue
		}
		if _, err := dst.Write(c.b); err != nil {
			failed = true
			src.Close()
		}
	}
}

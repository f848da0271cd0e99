// Package nlb is a stand-in for one AWS Network Load Balancer in front of one
// MSK broker: a TCP forwarder on its own local address. It copies bytes
// between two *net.TCPConn with io.Copy, so on Linux the kernel's splice path
// moves the data, and it can be taken down, re-routed or slowed on purpose.
package nlb

import (
	"io"
	"log/slog"
	"net"
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
func (f *Forwarder) SetDown(down bool) error { return f.ln.SetDown(down) }

// Close stops the forwarder and closes every connection through it.
func (f *Forwarder) Close() error { return f.ln.Close() }

func (f *Forwarder) forward(client net.Conn) {
	<-f.ready
	f.accepted.Add(1)
	lat := time.Duration(f.latency.Load())
	target := f.Target()
	if lat > 0 {
		time.Sleep(lat) // the SYN's trip
	}
	upstream, err := net.DialTimeout("tcp", target, 5*time.Second)
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
			delayedCopy(dst, src, lat)
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

// delayedCopy forwards src to dst, each chunk d after it was read, without
// limiting throughput to one chunk per d.
func delayedCopy(dst, src net.Conn, d time.Duration) {
	ch := make(chan chunk, 256)
	go func() {
		defer close(ch)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				ch <- chunk{b[:n], time.Now().Add(d)}
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
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			failed = true
			src.Close()
		}
	}
}

// Package nlb is a stand-in for one AWS Network Load Balancer in front of one
// MSK broker: a TCP forwarder on its own local address. It copies bytes
// between two *net.TCPConn with io.Copy, so on Linux the kernel's splice path
// moves the data, and it can be taken down, re-routed or slowed on purpose.
package nlb

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Forwarder is one NLB stand-in. Its listen address stays the same across
// SetDown(true)/SetDown(false).
type Forwarder struct {
	name string
	log  *slog.Logger

	target   atomic.Pointer[string]
	latency  atomic.Int64 // time.Duration added each way, for new connections
	accepted atomic.Int64

	mu     sync.Mutex
	addr   string
	ln     net.Listener
	down   bool
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Listen starts a forwarder on addr ("127.0.0.1:0" for any free port) that
// forwards every accepted connection to target.
func Listen(name, addr, target string, log *slog.Logger) (*Forwarder, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Forwarder{name: name, log: log, conns: make(map[net.Conn]struct{})}
	f.target.Store(&target)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("NLB stand-in %s: listen on %s: %w", name, addr, err)
	}
	f.addr = ln.Addr().String()
	f.serve(ln)
	return f, nil
}

// Addr is the forwarder's listen address (host:port).
func (f *Forwarder) Addr() string { return f.addr }

// Target is the address new connections are forwarded to.
func (f *Forwarder) Target() string { return *f.target.Load() }

// SetTarget routes new connections to addr; open connections stay where they are.
func (f *Forwarder) SetTarget(addr string) { f.target.Store(&addr) }

// SetLatency delays every chunk of data by d in each direction, for
// connections accepted from now on. Zero restores the splice path.
func (f *Forwarder) SetLatency(d time.Duration) { f.latency.Store(int64(d)) }

// Accepted counts the connections the forwarder has accepted.
func (f *Forwarder) Accepted() int64 { return f.accepted.Load() }

// Active counts the connections open right now.
func (f *Forwarder) Active() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

// SetDown(true) closes the listener and every open connection, so clients
// get "connection refused"; SetDown(false) listens again on the same address.
func (f *Forwarder) SetDown(down bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return errors.New("NLB stand-in " + f.name + " is closed")
	}
	if down == f.down {
		return nil
	}
	f.down = down
	if down {
		f.ln.Close()
		for c := range f.conns {
			c.Close()
		}
		return nil
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		f.down = true
		return fmt.Errorf("NLB stand-in %s: listen again on %s: %w", f.name, f.addr, err)
	}
	f.serveLocked(ln)
	return nil
}

// Close stops the forwarder and closes every connection through it.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	if !f.down {
		f.ln.Close()
	}
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	return nil
}

func (f *Forwarder) serve(ln net.Listener) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.serveLocked(ln)
}

func (f *Forwarder) serveLocked(ln net.Listener) {
	f.ln = ln
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.accepted.Add(1)
			if !f.track(c) {
				c.Close()
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.forward(c)
			}()
		}
	}()
}

// track registers c; false if the forwarder went down or closed meanwhile.
func (f *Forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || f.down {
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

func (f *Forwarder) forward(client net.Conn) {
	defer f.untrack(client)
	defer client.Close()
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
	if !f.track(upstream) {
		upstream.Close()
		return
	}
	defer f.untrack(upstream)
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

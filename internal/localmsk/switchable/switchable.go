// Package switchable is a TCP listener that can be taken down and brought
// back on the same address, cutting every connection it carries: how the
// local environment makes a broker or an NLB go away and return.
package switchable

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// ErrClosed is returned by SetDown after Close.
var ErrClosed = errors.New("listener closed")

// Listener accepts connections on a fixed address and hands each to a
// handler in its own goroutine.
type Listener struct {
	name   string
	handle func(net.Conn)

	mu     sync.Mutex
	addr   string
	ln     net.Listener
	down   bool
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Listen listens on addr ("127.0.0.1:0" for any free port). name prefixes
// errors ("broker 2", "NLB stand-in nlb-2"). handle runs once per accepted
// connection; the connection is closed and forgotten when it returns.
func Listen(name, addr string, handle func(net.Conn)) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: listen on %s: %w", name, addr, err)
	}
	l := &Listener{name: name, handle: handle, addr: ln.Addr().String(), conns: make(map[net.Conn]struct{})}
	l.mu.Lock()
	l.serveLocked(ln)
	l.mu.Unlock()
	return l, nil
}

// Addr is the listen address (host:port); it stays the same across SetDown.
func (l *Listener) Addr() string { return l.addr }

// Active counts the tracked connections open right now.
func (l *Listener) Active() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// SetDown(true) closes the listener and every tracked connection, so clients
// get "connection refused"; SetDown(false) listens again on the same address.
func (l *Listener) SetDown(down bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("%s: %w", l.name, ErrClosed)
	}
	if down == l.down {
		return nil
	}
	l.down = down
	if down {
		l.ln.Close()
		for c := range l.conns {
			c.Close()
		}
		return nil
	}
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		l.down = true
		return fmt.Errorf("%s: listen again on %s: %w", l.name, l.addr, err)
	}
	l.serveLocked(ln)
	return nil
}

// Close stops listening, closes every tracked connection and waits for the
// handlers to return.
func (l *Listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	if !l.down {
		l.ln.Close()
	}
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
	return nil
}

// Track registers a connection that SetDown(true) and Close must cut (e.g. a
// forwarder's upstream side); false if the listener went down or closed
// meanwhile, and the caller should drop it.
func (l *Listener) Track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.down {
		return false
	}
	l.conns[c] = struct{}{}
	return true
}

// Untrack forgets a connection registered with Track.
func (l *Listener) Untrack(c net.Conn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

func (l *Listener) serveLocked(ln net.Listener) {
	l.ln = ln
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !l.Track(c) {
				c.Close()
				return
			}
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				defer l.Untrack(c)
				defer c.Close()
				l.handle(c)
			}()
		}
	}()
}

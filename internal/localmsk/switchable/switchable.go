// Package switchable is a TCP listener that can be taken down and brought
// back on the same address, cutting every connection it carries: how the
// local environment makes a broker or an NLB go away and return. It can
// also black-hole its address (SYNs go unanswered, so connects time out),
// the way a TCP client sees an address where nothing exists any more.
package switchable

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
)

// ErrClosed is returned by SetDown and SetState after Close.
var ErrClosed = errors.New("listener closed")

// State is what a client dialing the address meets.
type State int

const (
	// Up accepts connections and hands each to the handler.
	Up State = iota
	// Down refuses connections (RST: "connection refused").
	Down
	// Blackhole leaves connects unanswered until they time out, like an
	// IP address nobody holds any more. Linux: the address listens with
	// a full accept queue, which drops every SYN.
	Blackhole
)

func (s State) String() string {
	switch s {
	case Up:
		return "up"
	case Down:
		return "down"
	case Blackhole:
		return "blackhole"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Listener accepts connections on a fixed address and hands each to a
// handler in its own goroutine.
type Listener struct {
	name   string
	handle func(context.Context, net.Conn)

	mu     sync.Mutex
	addr   string
	ln     net.Listener
	state  State
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	// cancel ends the context of every connection accepted since the
	// listener last came up: handlers stop waiting (latency, dials) the
	// moment their connection is cut.
	cancel context.CancelFunc
	filler net.Conn // Blackhole: the connection that fills the accept queue
}

// Listen listens on addr ("127.0.0.1:0" for any free port). name prefixes
// errors ("broker 2", "NLB stand-in nlb-2"). handle runs once per accepted
// connection with a context that ends when the listener cuts the
// connection (SetState, Close); the connection is closed and forgotten when
// handle returns.
func Listen(name, addr string, handle func(context.Context, net.Conn)) (*Listener, error) {
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

// Addr is the listen address (host:port); it stays the same across SetState.
func (l *Listener) Addr() string { return l.addr }

// State is the listener's current state.
func (l *Listener) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// Active counts the tracked connections open right now.
func (l *Listener) Active() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// SetDown(true) closes the listener and every tracked connection, so clients
// get "connection refused"; SetDown(false) listens again on the same address.
func (l *Listener) SetDown(down bool) error {
	if down {
		return l.SetState(Down)
	}
	return l.SetState(Up)
}

// SetState moves the listener to s. Leaving Up cuts every tracked
// connection; coming back Up listens again on the same address.
func (l *Listener) SetState(s State) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("%s: %w", l.name, ErrClosed)
	}
	if s == l.state {
		return nil
	}
	if s != Up && s != Down && s != Blackhole {
		return fmt.Errorf("%s: unknown state %d", l.name, int(s))
	}
	l.stopLocked()
	l.state = Down
	switch s {
	case Up:
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			return fmt.Errorf("%s: listen again on %s: %w", l.name, l.addr, err)
		}
		l.serveLocked(ln)
	case Blackhole:
		if err := l.blackholeLocked(); err != nil {
			return err
		}
	}
	l.state = s
	return nil
}

// stopLocked closes whatever holds the address and cuts every tracked
// connection.
func (l *Listener) stopLocked() {
	if l.ln != nil {
		l.ln.Close()
		l.ln = nil
	}
	if l.filler != nil {
		l.filler.Close()
		l.filler = nil
	}
	if l.cancel != nil {
		l.cancel()
		l.cancel = nil
	}
	for c := range l.conns {
		c.Close()
	}
}

// blackholeLocked holds the address with a listening socket whose accept
// queue (backlog 0) is filled by one connection of our own and never
// drained: the kernel then drops every SYN, and a client's connect times
// out as it does towards an IP address nobody holds.
func (l *Listener) blackholeLocked() error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return fmt.Errorf("%s: hold %s unanswered: %w", l.name, l.addr, err)
	}
	var lerr error
	rc, err := ln.(*net.TCPListener).SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) { lerr = syscall.Listen(int(fd), 0) })
	}
	if err == nil {
		err = lerr
	}
	if err != nil {
		ln.Close()
		return fmt.Errorf("%s: shrink the accept queue of %s: %w", l.name, l.addr, err)
	}
	// A client may have taken the one queue slot first: either way the
	// queue is full, and our dial then times out harmlessly.
	if c, err := net.DialTimeout("tcp", l.addr, 500*time.Millisecond); err == nil {
		l.filler = c
	}
	l.ln = ln
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
	l.stopLocked()
	l.mu.Unlock()
	l.wg.Wait()
	return nil
}

// Track registers a connection that leaving Up and Close must cut (e.g. a
// forwarder's upstream side); false if the listener went down or closed
// meanwhile, and the caller should drop it.
func (l *Listener) Track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.state != Up {
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

type listenerKey struct{}

// Of is the listener that accepted the connection a handler's ctx belongs
// to (nil for another context): where the handler tracks the connections
// it opens on the connection's behalf.
func Of(ctx context.Context) *Listener {
	l, _ := ctx.Value(listenerKey{}).(*Listener)
	return l
}

func (l *Listener) serveLocked(ln net.Listener) {
	l.ln = ln
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), listenerKey{}, l))
	l.cancel = cancel
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
				l.handle(ctx, c)
			}()
		}
	}()
}

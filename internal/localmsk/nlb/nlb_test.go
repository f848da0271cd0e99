package nlb

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// sink accepts connections and echoes what it reads (echo) or discards it.
func server(t testing.TB, echo bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if echo {
					io.Copy(c, c)
				} else {
					io.Copy(io.Discard, c)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func listen(t testing.TB, target string) *Forwarder {
	t.Helper()
	f, err := Listen("test", "127.0.0.1:0", target, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func echoOnce(t testing.TB, addr, msg string) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	b := make([]byte, len(msg))
	_, err = io.ReadFull(c, b)
	return string(b), err
}

func TestForwarder(t *testing.T) {
	t.Parallel()
	a, b := server(t, true), server(t, true)
	f := listen(t, a)
	if got, err := echoOnce(t, f.Addr(), "hello"); err != nil || got != "hello" {
		t.Fatalf("echo through the forwarder: %q, %v", got, err)
	}
	if f.Accepted() != 1 {
		t.Errorf("accepted %d, want 1", f.Accepted())
	}

	// Down: connection refused, on the same address once up again.
	addr := f.Addr()
	if err := f.SetDown(true); err != nil {
		t.Fatal(err)
	}
	if _, err := echoOnce(t, addr, "x"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial while down: %v, want connection refused", err)
	}
	if err := f.SetDown(false); err != nil {
		t.Fatal(err)
	}
	if got, err := echoOnce(t, addr, "back"); err != nil || got != "back" {
		t.Fatalf("echo after coming back: %q, %v", got, err)
	}

	// Re-routed: new connections reach the other target.
	f.SetTarget(b)
	if f.Target() != b {
		t.Fatalf("target %s, want %s", f.Target(), b)
	}
	if got, err := echoOnce(t, addr, "moved"); err != nil || got != "moved" {
		t.Fatalf("echo after re-routing: %q, %v", got, err)
	}

	// Target gone: the client is reset, as by an NLB with no healthy target.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	f.SetTarget(deadAddr)
	if _, err := echoOnce(t, addr, "x"); err == nil {
		t.Fatal("echo through a forwarder whose target is gone succeeded")
	}
}

func TestForwarderLatency(t *testing.T) {
	t.Parallel()
	f := listen(t, server(t, true))
	const d = 50 * time.Millisecond
	f.SetLatency(d)
	c, err := net.Dial("tcp", f.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 4)
	for i := range 3 {
		start := time.Now()
		c.Write([]byte("ping"))
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatal(err)
		}
		if rtt := time.Since(start); rtt < 2*d {
			t.Errorf("round trip %d took %s, want at least %s", i, rtt, 2*d)
		}
	}
}

// BenchmarkCopy is raw TCP throughput straight to a sink and through the
// forwarder (splice path); the forwarder should keep most of it.
func BenchmarkCopy(b *testing.B) {
	sink := server(b, false)
	for _, path := range []string{"direct", "nlb"} {
		b.Run(path, func(b *testing.B) {
			addr := sink
			if path == "nlb" {
				addr = listen(b, sink).Addr()
			}
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			buf := make([]byte, 256<<10)
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if _, err := c.Write(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestTargetGoneTimesOutConnects: a forwarder whose target's address nobody
// holds leaves connects unanswered (a timeout, not a reset or a refusal),
// as an NLB whose target IP is gone; the target restored, it forwards again.
func TestTargetGoneTimesOutConnects(t *testing.T) {
	t.Parallel()
	f := listen(t, server(t, true))
	if err := f.SetTargetGone(true); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", f.Addr(), 300*time.Millisecond)
	var ne net.Error
	if err == nil {
		c.Close()
		t.Fatal("connect through a forwarder whose target is gone succeeded")
	}
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("connect through a forwarder whose target is gone: %v, want a timeout", err)
	}
	// Down wins over gone (refused), and gone again once up.
	if err := f.SetDown(true); err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", f.Addr(), time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("connect while down: %v, want connection refused", err)
	}
	if err := f.SetDown(false); err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", f.Addr(), 300*time.Millisecond); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("connect up again with the target still gone: %v, want a timeout", err)
	}
	if err := f.SetTargetGone(false); err != nil {
		t.Fatal(err)
	}
	if got, err := echoOnce(t, f.Addr(), "back"); err != nil || got != "back" {
		t.Fatalf("echo with the target restored: %q, %v", got, err)
	}
}

// TestLatencyNeverHoldsCloseOrDown: a connection waiting out a long latency
// (its SYN's trip, or a chunk in flight) gives up when the forwarder goes
// down or closes: Close returns at once, not when the latency has passed.
func TestLatencyNeverHoldsCloseOrDown(t *testing.T) {
	t.Parallel()
	for _, cut := range []string{"close", "down then close"} {
		t.Run(cut, func(t *testing.T) {
			t.Parallel()
			f, err := Listen("test", "127.0.0.1:0", server(t, true), nil)
			if err != nil {
				t.Fatal(err)
			}
			f.SetLatency(time.Hour)
			c, err := net.Dial("tcp", f.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write([]byte("ping"))
			for f.Accepted() == 0 {
				time.Sleep(time.Millisecond)
			}
			done := make(chan struct{})
			start := time.Now()
			go func() {
				defer close(done)
				if cut != "close" {
					f.SetDown(true)
				}
				f.Close()
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: still waiting after 5s with a 1h latency", cut)
			}
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("%s took %s", cut, el)
			}
		})
	}
}

// TestDelayedCopyEndsWithItsContext: a chunk held for its latency is
// dropped when the connection's context ends.
func TestDelayedCopyEndsWithItsContext(t *testing.T) {
	t.Parallel()
	src, w := net.Pipe()
	dst, r := net.Pipe()
	defer w.Close()
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		delayedCopy(ctx, dst, src, time.Hour)
	}()
	if _, err := w.Write([]byte("held")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // the chunk is read and waits its hour
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("delayedCopy still waiting 5s after its context ended")
	}
}

package nlb

import (
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

package switchable

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

func TestDownCutsAndRefusesUpServesAgainOnTheSameAddress(t *testing.T) {
	t.Parallel()
	held := make(chan net.Conn, 4)
	l, err := Listen("test", "127.0.0.1:0", func(c net.Conn) {
		held <- c
		io.Copy(io.Discard, c) // until cut
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr()

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-held
	if got := l.Active(); got != 1 {
		t.Fatalf("Active() = %d, want 1", got)
	}

	if err := l.SetDown(true); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("open connection survived SetDown(true)")
	}
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial while down: %v, want connection refused", err)
	}

	if err := l.SetDown(false); err != nil {
		t.Fatal(err)
	}
	if l.Addr() != addr {
		t.Fatalf("address changed: %s, then %s", addr, l.Addr())
	}
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial after SetDown(false): %v", err)
	}
	defer c2.Close()
	<-held
}

func TestCloseCutsTrackedConnectionsAndWaits(t *testing.T) {
	t.Parallel()
	returned := make(chan struct{})
	l, err := Listen("test", "127.0.0.1:0", func(c net.Conn) {
		io.Copy(io.Discard, c)
		close(returned)
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for l.Active() == 0 {
		time.Sleep(time.Millisecond)
	}
	extra, _ := net.Pipe()
	if !l.Track(extra) {
		t.Fatal("Track refused while up")
	}
	l.Close()
	select {
	case <-returned:
	default:
		t.Fatal("Close returned before the handler did")
	}
	if _, err := extra.Write([]byte{1}); err == nil {
		t.Fatal("a tracked connection survived Close")
	}
	if l.Track(extra) {
		t.Fatal("Track accepted a connection after Close")
	}
	if err := l.SetDown(true); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetDown after Close: %v, want ErrClosed", err)
	}
}

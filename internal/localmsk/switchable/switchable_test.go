package switchable

import (
	"context"
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
	l, err := Listen("test", "127.0.0.1:0", func(_ context.Context, c net.Conn) {
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
	l, err := Listen("test", "127.0.0.1:0", func(_ context.Context, c net.Conn) {
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

// TestCutEndsTheHandlersContext: a handler waiting on its context (a
// latency, a dial) stops when its connection is cut, on SetDown as on
// Close, so neither waits out the handler's own timers.
func TestCutEndsTheHandlersContext(t *testing.T) {
	t.Parallel()
	for _, cut := range []string{"down", "close"} {
		t.Run(cut, func(t *testing.T) {
			t.Parallel()
			waiting := make(chan struct{})
			ended := make(chan struct{})
			l, err := Listen("test", "127.0.0.1:0", func(ctx context.Context, c net.Conn) {
				close(waiting)
				select {
				case <-ctx.Done():
					close(ended)
				case <-time.After(15 * time.Second): // bounds the test when the context never ends
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			c, err := net.Dial("tcp", l.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			<-waiting
			cutErr := make(chan error, 1)
			go func() {
				if cut == "down" {
					cutErr <- l.SetDown(true)
				} else {
					cutErr <- l.Close() // waits for the handler
				}
			}()
			select {
			case <-ended:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: the handler's context did not end within 5s", cut)
			}
			select {
			case err := <-cutErr:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s did not return within 5s", cut)
			}
		})
	}
}

// TestBlackholeTimesOutConnectsThenServesAgain: in Blackhole a connect is
// neither accepted nor refused but times out, as towards an IP nobody
// holds; back Up, the same address serves.
func TestBlackholeTimesOutConnectsThenServesAgain(t *testing.T) {
	t.Parallel()
	served := make(chan struct{}, 8)
	l, err := Listen("test", "127.0.0.1:0", func(_ context.Context, c net.Conn) {
		served <- struct{}{}
		io.Copy(io.Discard, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	open, err := net.Dial("tcp", l.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	<-served
	if err := l.SetState(Blackhole); err != nil {
		t.Fatal(err)
	}
	if got := l.State(); got != Blackhole {
		t.Fatalf("State() = %s, want blackhole", got)
	}
	open.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := open.Read(make([]byte, 1)); err == nil || isTimeout(err) {
		t.Fatalf("open connection through a black-holed address: read %v, want it cut", err)
	}
	for i := range 3 {
		c, err := net.DialTimeout("tcp", l.Addr(), 300*time.Millisecond)
		if err == nil {
			c.Close()
			t.Fatalf("connect %d to a black-holed address succeeded", i)
		}
		if !isTimeout(err) {
			t.Fatalf("connect %d to a black-holed address: %v, want a timeout (not refused)", i, err)
		}
	}
	if err := l.SetState(Up); err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", l.Addr(), 2*time.Second)
	if err != nil {
		t.Fatalf("connect after Up: %v", err)
	}
	defer c.Close()
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Fatal("not served after Up")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

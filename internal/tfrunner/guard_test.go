package tfrunner

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func waitFor(t *testing.T, buf *lockedBuffer, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(buf.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("never saw %q in:\n%s", s, buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestGuardLadder drives the interrupt ladder with a child process that
// ignores graceful stops (a stand-in for a Terraform stuck in an operation):
// only the kill ends it.
func TestGuardLadder(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("killing is implemented on Linux only")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	sleep, _ = filepath.EvalSymlinks(sleep)
	for _, destroy := range []bool{false, true} {
		name := map[bool]string{false: "apply", true: "destroy"}[destroy]
		// Not parallel: the kill takes every such child of this process.
		t.Run(name, func(t *testing.T) {
			sigs := make(chan os.Signal, 4)
			var out lockedBuffer
			r := &Runner{ExecPath: sleep, Stderr: &out, Signals: sigs}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opCancelled := make(chan struct{})
			errc := make(chan error, 1)
			started := make(chan struct{})
			go func() {
				errc <- r.Guard(ctx, destroy, func(opCtx context.Context) error {
					cmd := exec.Command(sleep, "60")
					if err := cmd.Start(); err != nil {
						return err
					}
					close(started)
					go func() { <-opCtx.Done(); close(opCancelled) }()
					return cmd.Wait()
				})
			}()
			<-started
			cancelled := func() bool {
				select {
				case <-opCancelled:
					return true
				case <-time.After(200 * time.Millisecond):
					return false
				}
			}
			// First Ctrl-C: the process's ctx is cancelled and the signal arrives.
			cancel()
			sigs <- os.Interrupt
			if destroy {
				waitFor(t, &out, "destroy keeps running")
				if cancelled() {
					t.Fatal("destroy was interrupted by the first Ctrl-C")
				}
				sigs <- os.Interrupt
			}
			waitFor(t, &out, "asking Terraform to stop")
			if !cancelled() {
				t.Fatal("Terraform's context was not cancelled")
			}
			sigs <- os.Interrupt
			waitFor(t, &out, "Killing it now is risky")
			for _, risk := range []string{"state lock may stay held", "terraform force-unlock", "exist in AWS but not in state"} {
				if !strings.Contains(out.String(), risk) {
					t.Errorf("the risk explanation lacks %q", risk)
				}
			}
			select {
			case err := <-errc:
				t.Fatalf("the process ended before the kill: %v", err)
			case <-time.After(200 * time.Millisecond):
			}
			sigs <- os.Interrupt
			select {
			case err := <-errc:
				if err == nil || !strings.Contains(err.Error(), "killed") {
					t.Errorf("Guard returned %v, want the killed process's error", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the third Ctrl-C did not kill the process")
			}
		})
	}
}

// TestGuardSharedTerminal covers macOS and other systems where Terraform
// shares the terminal's process group: the Ctrl-C already reached
// Terraform, so nothing is forwarded (a second SIGINT would make it exit
// immediately) and the operator is warned before pressing again.
func TestGuardSharedTerminal(t *testing.T) {
	old := terminalSignalsReachTerraform
	terminalSignalsReachTerraform = true
	defer func() { terminalSignalsReachTerraform = old }()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	sigs := make(chan os.Signal, 4)
	var out lockedBuffer
	r := &Runner{ExecPath: sleep, Stderr: &out, Signals: sigs}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.Command(sleep, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	var forwarded bool
	go func() {
		errc <- r.Guard(ctx, false, func(opCtx context.Context) error {
			err := cmd.Wait()
			forwarded = opCtx.Err() != nil
			return err
		})
	}()
	cancel()
	sigs <- os.Interrupt
	waitFor(t, &out, "Do NOT press Ctrl-C again")
	// Terraform stops on the terminal's interrupt by itself.
	cmd.Process.Kill()
	err = <-errc
	if forwarded {
		t.Error("the interrupt was forwarded although Terraform already received it")
	}
	if err == nil || !strings.Contains(err.Error(), ErrInterrupted.Error()) {
		t.Errorf("Guard returned %v, want an interrupted error", err)
	}
}

package tfrunner

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// terminalSignalsReachTerraform is true where terraform-exec does not start
// Terraform in its own process group (everywhere but Linux): the terminal's
// Ctrl-C then reaches Terraform directly, and Terraform's own ladder applies
// (first: stop gracefully; second: exit immediately).
var terminalSignalsReachTerraform = runtime.GOOS != "linux"

// Guard runs fn (one Terraform command) under the interrupt ladder.
//
// For commands that change things (destroy=false):
//   - 1st interrupt (ctx done): Terraform gets SIGINT — it finishes the
//     resource operations in flight, writes state and releases its lock.
//   - 2nd: the risk of killing is explained and nothing else happens.
//   - 3rd: Terraform (and its providers) are killed.
//
// Destroy runs under a fresh context (destroy=true), so a stray Ctrl-C does
// not leave a half-deleted stack: the 1st interrupt only says so, and the
// ladder above starts at the 2nd.
//
// Where Terraform shares the terminal's process group (not Linux, see
// terminalSignalsReachTerraform), a terminal Ctrl-C is not forwarded —
// Terraform already has it — and the operator is warned that a second one
// makes Terraform exit immediately. SIGTERM is always forwarded.
//
// Without Signals only the first rung exists (ctx cancellation).
func (r *Runner) Guard(ctx context.Context, destroy bool, fn func(ctx context.Context) error) error {
	opCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var interrupted, killed atomic.Bool
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rungs := []int{1, 2, 3}
		if destroy {
			rungs = []int{0, 1, 2, 3}
		}
		presses, ctxDone, acted := 0, false, 0
		var last os.Signal
		ctxCh := ctx.Done()
		for {
			select {
			case <-done:
				return
			case <-ctxCh:
				ctxDone, ctxCh = true, nil
				// The signal that cancelled ctx is usually on its way on
				// Signals too: wait for it briefly to know which it was.
				if r.Signals != nil {
					select {
					case sig, ok := <-r.Signals:
						if ok {
							presses++
							last = sig
						}
					case <-time.After(250 * time.Millisecond):
					case <-done:
						return
					}
				}
			case sig, ok := <-r.Signals:
				if !ok {
					return
				}
				presses++
				last = sig
			}
			level := presses
			if ctxDone && level == 0 {
				level = 1
			}
			for acted < level && acted < len(rungs) {
				step := rungs[acted]
				if terminalSignalsReachTerraform && last == os.Interrupt && step >= 1 {
					// Terraform got the terminal's Ctrl-C itself; a second
					// SIGINT from us would make it exit immediately.
					r.rungShared(step, &interrupted)
				} else {
					if step == 1 {
						interrupted.Store(true)
					}
					if step == 3 {
						killed.Store(true)
					}
					r.rung(step, cancel)
				}
				acted++
			}
		}
	}()
	err := fn(opCtx)
	close(done)
	wg.Wait()
	if r.AfterCommand != nil {
		r.AfterCommand()
	}
	switch {
	case err != nil && killed.Load():
		return fmt.Errorf("%w: %w", ErrKilled, err)
	case err != nil && (opCtx.Err() != nil || interrupted.Load()):
		return fmt.Errorf("%w: %w", ErrInterrupted, err)
	}
	return err
}

// ErrKilled is wrapped by the error of a Terraform command killed on the
// third interrupt; it wraps ErrInterrupted. Terraform had no chance to write
// state or release its lock.
var ErrKilled = fmt.Errorf("%w: Terraform was killed", ErrInterrupted)

// rung performs one step of the ladder; step 0 exists only for destroy.
func (r *Runner) rung(step int, cancel context.CancelFunc) {
	w := r.stderr()
	switch step {
	case 0:
		fmt.Fprintln(w, "\nInterrupt received: destroy keeps running so the stack is not left half-deleted.\n"+
			"Press Ctrl-C again to ask Terraform to stop after the operations in flight.")
	case 1:
		fmt.Fprintln(w, "\nInterrupt received: asking Terraform to stop. It finishes the operations in flight, saves state and releases its lock.\n"+
			"This can take minutes while an MSK cluster operation completes. Please wait.")
		cancel()
	case 2:
		fmt.Fprintln(w, "\nTerraform is still stopping. Killing it now is risky:\n"+
			"  - resources being created or deleted right now may exist in AWS but not in state (they keep costing money and must be imported or deleted by hand);\n"+
			"  - the state lock may stay held: in S3, until `terraform force-unlock <ID>` removes it (deploy then prints the exact command); with local state, its lock file remains;\n"+
			"  - with a local backend, state not yet written is lost.\n"+
			"Press Ctrl-C once more to kill Terraform anyway.")
	case 3:
		fmt.Fprintln(w, "\nKilling Terraform.")
		if err := killTerraform(r.ExecPath, r.Dir); err != nil {
			fmt.Fprintf(w, "Could not kill Terraform: %v\n", err)
		}
	}
}

// rungShared is the ladder where Terraform receives the terminal's Ctrl-C
// itself: nothing is forwarded; the operator is told what the next press does.
func (r *Runner) rungShared(step int, interrupted *atomic.Bool) {
	w := r.stderr()
	switch step {
	case 1:
		interrupted.Store(true)
		fmt.Fprintln(w, "\nInterrupt received: Terraform is stopping. It finishes the operations in flight, saves state and releases its lock.\n"+
			"Do NOT press Ctrl-C again: Terraform would exit immediately, leaving resources in AWS that are not in state\n"+
			"and the state lock held (the next run then needs `terraform force-unlock <ID>`).")
	case 2:
		fmt.Fprintln(w, "\nSecond interrupt: Terraform exits immediately. Run `plan` next to see what is left; if the state is locked, run `terraform force-unlock <ID>` in the working directory.")
	}
}

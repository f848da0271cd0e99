package tfrunner

import (
	"context"
	"fmt"
	"sync"
)

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
// Without Signals only the first rung exists (ctx cancellation).
func (r *Runner) Guard(ctx context.Context, destroy bool, fn func(ctx context.Context) error) error {
	opCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
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
		ctxCh := ctx.Done()
		for {
			select {
			case <-done:
				return
			case <-ctxCh:
				ctxDone, ctxCh = true, nil
			case _, ok := <-r.Signals:
				if !ok {
					return
				}
				presses++
			}
			level := presses
			if ctxDone && level == 0 {
				level = 1
			}
			for acted < level && acted < len(rungs) {
				r.rung(rungs[acted], cancel)
				acted++
			}
		}
	}()
	err := fn(opCtx)
	close(done)
	wg.Wait()
	if err != nil && opCtx.Err() != nil {
		return fmt.Errorf("%w: %w", ErrInterrupted, err)
	}
	return err
}

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
			"  - the state lock stays held: the next run fails with \"Error acquiring the state lock\" until you run `terraform force-unlock <ID>` in the working directory;\n"+
			"  - with a local backend, state not yet written is lost.\n"+
			"Press Ctrl-C once more to kill Terraform anyway.")
	case 3:
		fmt.Fprintln(w, "\nKilling Terraform.")
		if err := killTerraform(r.ExecPath); err != nil {
			fmt.Fprintf(w, "Could not kill Terraform: %v\n", err)
		}
	}
}

package cli

// The deployment lock: one deploy run at a time writes a deployment.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

// lockDeployment takes the deployment lock before this run's first write
// (creating the state and working directories, 0700); another run holding
// it is a refusal (exit 2) that names it. A previous holder that never
// released the lock died: this run says so, and what it left.
func (c *cli) lockDeployment(ctx context.Context) error {
	if c.lock != nil {
		return nil
	}
	if c.wd.Dir == filepath.Join(c.stateBase(), filepath.Base(c.wd.Dir)) {
		if was, ok, err := deploy.PrivateDir(c.stateBase()); err != nil {
			return usagef("create the state directory %s: %v (set XDG_STATE_HOME, or pass --workdir)", c.stateBase(), err)
		} else if ok {
			fmt.Fprintf(c.env.Stderr, "note: the state directory %s was open to other users (mode %04o); made it 0700\n", c.stateBase(), was)
		}
	}
	if _, _, err := deploy.PrivateDir(c.wd.Dir); err != nil {
		return usagef("create working directory %s: %v (pass --workdir)", c.wd.Dir, err)
	}
	host, _ := os.Hostname()
	me := deploy.Holder{PID: os.Getpid(), Host: host, Command: c.cmdline(c.cmd), Started: time.Now()}
	l, prev, err := deploy.AcquireLock(ctx, c.wd.LockFile(), me)
	var locked *deploy.LockedError
	if errors.As(err, &locked) {
		return lockedRefusal{locked, c.settings.Name}
	}
	if err != nil {
		return err
	}
	c.lock = l
	if prev != nil {
		c.notePreviousRun(ctx, *prev)
	}
	return nil
}

// notePreviousRun tells the truth about a run that died holding the lock:
// what it was doing, and the Terraform state lock it may have left.
func (c *cli) notePreviousRun(ctx context.Context, prev deploy.Holder) {
	fmt.Fprintf(c.env.Stderr, "note: the last deploy run on this deployment, %s, ended without finishing (killed, or its machine stopped); what it applied is in state, what it was doing then may not be.\n", prev)
	if c.settings.Backend != "local" {
		fmt.Fprintln(c.env.Stderr, "  If Terraform's state lock in the S3 backend survived it, the next Terraform command fails with \"Error acquiring the state lock\" and deploy then names the lock and the command that removes it.")
		return
	}
	info, left, err := tfrunner.ReadLockInfo(ctx, c.wd.TerraformLockInfo())
	switch {
	case !left:
	case err != nil:
		fmt.Fprintf(c.env.Stderr, "  Terraform's lock file %s remains and cannot be read (%v): remove it once no Terraform process runs in %s.\n", c.wd.TerraformLockInfo(), err, c.wd.RootDir())
	default:
		fmt.Fprintf(c.env.Stderr, "  %s\n", indent(c.runner.LockAdvice(info, c.wd.TerraformLockInfo()), "  "))
	}
}

// unlockDeployment ends the run's hold on the deployment: what Terraform
// wrote is made private, this run's inputs file goes, the lock is released.
func (c *cli) unlockDeployment() {
	if c.lock == nil {
		return
	}
	c.tighten()
	if err := os.Remove(c.wd.ThisRunFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(c.env.Stderr, "warning: remove %s: %v\n", c.wd.ThisRunFile(), err)
	}
	if err := c.lock.Release(); err != nil {
		fmt.Fprintf(c.env.Stderr, "warning: release the deployment lock %s: %v (the lock itself ends with this process)\n", c.wd.LockFile(), err)
	}
	c.lock = nil
}

func indent(s, prefix string) string { return strings.ReplaceAll(s, "\n", "\n"+prefix) }

// lockedRefusal is a usage error (exit 2) that is also the LockedError, so
// status can tell it apart.
type lockedRefusal struct {
	*deploy.LockedError
	name string
}

func (e lockedRefusal) Error() string {
	return fmt.Sprintf("deployment %q %s", e.name, strings.TrimPrefix(e.LockedError.Error(), "deployment "))
}

func (e lockedRefusal) Unwrap() []error {
	return []error{e.LockedError, &cmdline.UsageError{Msg: e.Error()}}
}

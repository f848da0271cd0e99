package tfrunner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"syscall"
)

// LockInfo is Terraform's description of a state lock: the JSON of the
// local backend's .terraform.tfstate.lock.info, or the "Lock Info:" block of
// an "Error acquiring the state lock" message (any backend).
type LockInfo struct {
	ID        string `json:"ID"`
	Operation string `json:"Operation"`
	Who       string `json:"Who"`
	Version   string `json:"Version"`
	Created   string `json:"Created"`
	Path      string `json:"Path"`
}

// ReadLockInfo reads a local backend's lock info file; ok is false when
// there is none (no lock left behind).
func ReadLockInfo(ctx context.Context, path string) (info LockInfo, ok bool, err error) {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return LockInfo{}, false, nil
	}
	b, err := readSmallRegular(ctx, path)
	if err != nil {
		return LockInfo{}, true, err
	}
	if err := json.Unmarshal(b, &info); err != nil || info.ID == "" {
		return LockInfo{}, true, fmt.Errorf("%s is not Terraform lock info: %v", path, err)
	}
	return info, true, nil
}

// readSmallRegular reads a regular file without blocking on a FIFO.
func readSmallRegular(ctx context.Context, path string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > 1<<20 {
		return nil, fmt.Errorf("%s is not a small regular file", path)
	}
	b := make([]byte, st.Size())
	n, err := f.Read(b)
	if err != nil && n == 0 && st.Size() > 0 {
		return nil, err
	}
	return b[:n], nil
}

var (
	reLockID   = regexp.MustCompile(`Lock Info:\s+ID:\s+([0-9A-Za-z-]+)`)
	reLockWho  = regexp.MustCompile(`\bWho:\s+(\S+)`)
	reLockOp   = regexp.MustCompile(`\bOperation:\s+(\S+)`)
	reLockPath = regexp.MustCompile(`\bPath:\s+(\S+)`)
)

// LockInError finds the lock Terraform names when it could not acquire
// the state lock ("Error acquiring the state lock ... Lock Info: ID: ...").
func LockInError(err error) (LockInfo, bool) {
	if err == nil || !strings.Contains(err.Error(), "state lock") {
		return LockInfo{}, false
	}
	m := reLockID.FindStringSubmatch(err.Error())
	if m == nil {
		return LockInfo{}, false
	}
	info := LockInfo{ID: m[1]}
	for re, dst := range map[*regexp.Regexp]*string{reLockWho: &info.Who, reLockOp: &info.Operation, reLockPath: &info.Path} {
		if m := re.FindStringSubmatch(err.Error()); m != nil {
			*dst = m[1]
		}
	}
	return info, true
}

// ForceUnlock is the command that removes lock id, as the operator types
// it: in the runner's directory, with its data directory.
func (r *Runner) ForceUnlock(id string) string {
	var env []string
	for k, v := range r.Env {
		if k == "TF_DATA_DIR" {
			env = append(env, k+"="+shQuote(v))
		}
	}
	sort.Strings(env)
	return strings.Join(append([]string{"cd", shQuote(r.Dir), "&&"}, append(env, shQuote(r.ExecPath), "force-unlock", "-force", shQuote(id))...), " ")
}

// LockAdvice says what a state lock left behind means and the exact
// command that removes it, and whether that is safe now: only when no
// Terraform process runs in this working directory (checked just now).
//
// lockFile is the local backend's lock info file, "" for a lock in another
// backend (S3). The two differ: the local lock is the Terraform process's
// own lock on the state file, so it ends with the process and only its
// description file stays behind, which the next run takes over (`terraform
// force-unlock` refuses it: "LocalState not locked"); a lock in S3 is an
// object that stays until force-unlock removes it.
func (r *Runner) LockAdvice(info LockInfo, lockFile string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Terraform's state lock %s remains", info.ID)
	var about []string
	if lockFile != "" {
		about = append(about, lockFile)
	}
	if info.Operation != "" {
		about = append(about, "taken for "+strings.TrimPrefix(info.Operation, "OperationType"))
	}
	if info.Who != "" {
		about = append(about, "by "+info.Who)
	}
	if info.Created != "" {
		about = append(about, "at "+info.Created)
	}
	if len(about) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(about, ", "))
	}
	b.WriteString(".\n")
	remove := r.ForceUnlock(info.ID)
	if lockFile != "" {
		remove = "rm " + shQuote(lockFile)
	}
	pids, err := TerraformProcessesIn(r.Dir)
	switch {
	case err != nil:
		fmt.Fprintf(&b, "Could not check for running Terraform processes (%v): make sure no Terraform runs in %s (ps), then remove the lock:\n  %s\n", err, r.Dir, remove)
	case len(pids) > 0:
		fmt.Fprintf(&b, "Terraform is still running in %s (pid %s) and holds it. Wait until it exits (or kill it: kill %s);\n", r.Dir, joinInts(pids, ", "), joinInts(pids, " "))
		if lockFile != "" {
			b.WriteString("the lock ends with the process and the next run takes it over.\n")
		} else {
			fmt.Fprintf(&b, "then, once no Terraform process of this deployment is left, remove the lock:\n  %s\n", remove)
		}
	case lockFile != "":
		fmt.Fprintf(&b, "No Terraform process is running in %s (checked just now), so nothing holds it: a local lock is the Terraform process's own\n"+
			"and ended with it; the next run takes it over and replaces the file (`terraform force-unlock` would refuse: \"LocalState not locked\").\n"+
			"Removing the file yourself is safe now and changes nothing:\n  %s\n", r.Dir, remove)
	default:
		fmt.Fprintf(&b, "No Terraform process is running in %s (checked just now). If the lock is not another machine's run (it names who took it),\n"+
			"it is safe to remove it:\n  %s\n", r.Dir, remove)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func joinInts(xs []int, sep string) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, sep)
}

func shQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

package tfrunner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

// ErrInterrupted is wrapped by errors of Terraform commands the operator interrupted.
var ErrInterrupted = errors.New("interrupted")

// Runner runs Terraform in one working directory.
type Runner struct {
	// Dir is the Terraform working directory (the root module).
	Dir string
	// ExecPath is the terraform binary (see Find).
	ExecPath string
	// Env is added to the inherited environment of every Terraform command.
	Env map[string]string
	// Stderr receives the progress line, Terraform's diagnostics and the
	// interrupt messages; nil discards them.
	Stderr io.Writer
	// TTY redraws one progress line instead of printing plain lines.
	TTY bool
	// Signals delivers the operator's interrupts (os.Interrupt, SIGTERM).
	// The first interrupt is expected to also cancel the ctx passed to each
	// method; Signals is how the runner counts the second and third. See Guard.
	Signals <-chan os.Signal
	// GraceTimeout is how long Terraform may take to stop after an interrupt
	// before it is killed anyway; default 30 minutes (an MSK cluster
	// operation in flight finishes or is abandoned by the provider well
	// within that).
	GraceTimeout time.Duration
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
	// LockInfoFile is where the local backend keeps the description of the
	// state lock it holds (empty for other backends): after an interrupt
	// the runner says whether it remains, and how to remove it.
	LockInfoFile string
	// AfterCommand, when set, runs after every Terraform command that may
	// write (init, plan, apply), however it ended: the caller makes what
	// Terraform wrote private again.
	AfterCommand func()
	// Redact, when set, is applied to what the runner returns of
	// Terraform's text (errors, the plan as `terraform show` prints it),
	// so no secret reaches the operator's screen or logs.
	Redact func(string) string

	handle *tfexec.Terraform
}

func (r *Runner) stderr() io.Writer {
	if r.Stderr == nil {
		return io.Discard
	}
	return r.Stderr
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// tf returns the terraform-exec handle (one per Runner, so Terraform's
// version is checked once). terraform-exec keeps the stdout writer a *JSON
// call sets on the handle, so every call starts by resetting both writers.
func (r *Runner) tf() (*tfexec.Terraform, error) {
	if r.handle != nil {
		r.handle.SetStdout(io.Discard)
		r.handle.SetStderr(io.Discard)
		return r.handle, nil
	}
	tf, err := tfexec.NewTerraform(r.Dir, r.ExecPath)
	if err != nil {
		return nil, fmt.Errorf("terraform in %s: %w", r.Dir, err)
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k, v := range r.Env {
		env[k] = v
	}
	for _, k := range tfexec.ProhibitedEnv(env) {
		delete(env, k)
	}
	if err := tf.SetEnv(env); err != nil {
		return nil, fmt.Errorf("terraform environment: %w", err)
	}
	grace := r.GraceTimeout
	if grace == 0 {
		grace = 30 * time.Minute
	}
	// terraform-exec cancels a command by sending it SIGINT when the ctx is
	// done (Terraform then finishes in-flight operations, writes state and
	// releases its lock), and kills it only after WaitDelay. The default of
	// 60 s is too short for a stack with an MSK cluster, so the kill is left
	// to the operator (third Ctrl-C, see Guard) or this grace timeout.
	if err := tf.SetWaitDelay(grace); err != nil {
		r.logger().Debug("terraform wait delay not supported here", "err", err)
	}
	r.handle = tf
	tf.SetStdout(io.Discard)
	tf.SetStderr(io.Discard)
	return tf, nil
}

// Version returns the version of the runner's terraform binary.
func (r *Runner) Version(ctx context.Context) (string, error) {
	tf, err := r.tf()
	if err != nil {
		return "", err
	}
	v, _, err := tf.Version(ctx, true)
	if err != nil {
		return "", fmt.Errorf("terraform version (%s): %w", r.ExecPath, err)
	}
	return v.String(), nil
}

// InitOptions configure Init.
type InitOptions struct {
	// BackendConfig are -backend-config arguments (a file or key=value).
	BackendConfig []string
	// Reconfigure passes -reconfigure (backend settings changed; state is not migrated).
	Reconfigure bool
	// Upgrade passes -upgrade.
	Upgrade bool
}

// Init runs `terraform init`; its output is shown only when it fails.
func (r *Runner) Init(ctx context.Context, o InitOptions) error {
	tf, err := r.tf()
	if err != nil {
		return err
	}
	// One buffer for both streams: terraform-exec copies each on its own
	// goroutine, so it must be locked.
	var out lockedBuffer
	tf.SetStdout(&out)
	tf.SetStderr(&out)
	opts := []tfexec.InitOption{tfexec.Upgrade(o.Upgrade), tfexec.Reconfigure(o.Reconfigure)}
	for _, bc := range o.BackendConfig {
		opts = append(opts, tfexec.BackendConfig(bc))
	}
	err = r.Guard(ctx, false, func(ctx context.Context) error { return tf.Init(ctx, opts...) })
	if err != nil {
		return r.wrap("terraform init", err, initErrors(out.String()), nil)
	}
	return nil
}

// initErrors keeps what follows the first "Error:" of init's output (the
// rest is progress and the version checks terraform-exec runs).
func initErrors(out string) string {
	if i := strings.Index(out, "Error: "); i >= 0 {
		return out[i:]
	}
	return out
}

// Validate runs `terraform validate` and returns its diagnostics as an error.
func (r *Runner) Validate(ctx context.Context) error {
	tf, err := r.tf()
	if err != nil {
		return err
	}
	res, err := tf.Validate(ctx)
	if err != nil {
		return fmt.Errorf("terraform validate in %s: %w", r.Dir, err)
	}
	if res.Valid {
		return nil
	}
	var msgs []string
	for _, d := range res.Diagnostics {
		if d.Severity == "error" {
			s := d.Summary
			if d.Range != nil {
				s += fmt.Sprintf(" at %s:%d", d.Range.Filename, d.Range.Start.Line)
			}
			if d.Detail != "" {
				s += ": " + strings.Join(strings.Fields(d.Detail), " ")
			}
			msgs = append(msgs, s)
		}
	}
	return fmt.Errorf("terraform validate in %s:\n  %s", r.Dir, strings.Join(msgs, "\n  "))
}

// PlanOptions configure Plan.
type PlanOptions struct {
	// Out is the plan file to write (relative to Dir or absolute); required.
	Out string
	// VarFiles are -var-file arguments.
	VarFiles []string
	// Vars are -var arguments ("name=value").
	Vars []string
	// Destroy plans the destruction of everything in state.
	Destroy bool
	// RefreshOnly plans only the reconciliation of state with reality (drift).
	RefreshOnly bool
}

// PlanResult is what a plan would do.
type PlanResult struct {
	// File is the saved plan, to pass to Apply.
	File string
	// HasChanges is Terraform's -detailed-exitcode verdict.
	HasChanges bool
	Summary    Summary
	// Plan is the saved plan as `terraform show -json` reads it.
	Plan *tfjson.Plan
}

// Plan runs `terraform plan -out` and reads the saved plan back for its summary.
func (r *Runner) Plan(ctx context.Context, o PlanOptions) (*PlanResult, error) {
	if o.Out == "" {
		return nil, errors.New("tfrunner: Plan needs PlanOptions.Out")
	}
	tf, err := r.tf()
	if err != nil {
		return nil, err
	}
	opts := []tfexec.PlanOption{tfexec.Out(o.Out), tfexec.Destroy(o.Destroy), tfexec.RefreshOnly(o.RefreshOnly)}
	for _, f := range o.VarFiles {
		opts = append(opts, tfexec.VarFile(f))
	}
	for _, v := range o.Vars {
		opts = append(opts, tfexec.Var(v))
	}
	verb := "Planning"
	if o.Destroy {
		verb = "Planning destroy"
	}
	p := &Progress{Out: r.stderr(), TTY: r.TTY, Verb: verb, Quiet: true}
	var errBuf bytes.Buffer
	tf.SetStderr(&errBuf)
	var changes bool
	err = r.stream(p, func(w io.Writer) error {
		return r.Guard(ctx, false, func(ctx context.Context) error {
			var err error
			changes, err = tf.PlanJSON(ctx, w, opts...)
			return err
		})
	})
	if err != nil {
		return nil, r.wrap("terraform plan", err, errBuf.String(), p.Diagnostics())
	}
	plan, err := r.ReadPlan(ctx, o.Out)
	if err != nil {
		return nil, err
	}
	return &PlanResult{File: o.Out, HasChanges: changes, Summary: Summarize(plan), Plan: plan}, nil
}

// ShowPlan reads a saved plan file into a Summary.
func (r *Runner) ShowPlan(ctx context.Context, planFile string) (Summary, error) {
	plan, err := r.ReadPlan(ctx, planFile)
	if err != nil {
		return Summary{}, err
	}
	return Summarize(plan), nil
}

// ReadPlan reads a saved plan file (`terraform show -json`).
func (r *Runner) ReadPlan(ctx context.Context, planFile string) (*tfjson.Plan, error) {
	tf, err := r.tf()
	if err != nil {
		return nil, err
	}
	path := planFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.Dir, path)
	}
	plan, err := tf.ShowPlanFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("terraform show %s: %w", path, err)
	}
	return plan, nil
}

// ShowPlanText is the saved plan as `terraform show PLANFILE` prints it:
// every attribute of every change, for review before confirming.
func (r *Runner) ShowPlanText(ctx context.Context, planFile string) (string, error) {
	tf, err := r.tf()
	if err != nil {
		return "", err
	}
	path := planFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.Dir, path)
	}
	out, err := tf.ShowPlanFileRaw(ctx, path)
	if err != nil {
		return "", fmt.Errorf("terraform show %s: %w", path, err)
	}
	return r.redact(out), nil
}

// Apply applies exactly the saved plan file. total is the number of
// resource operations the plan holds (Summary.Total), for the progress line.
func (r *Runner) Apply(ctx context.Context, planFile string, total int, destroy bool) error {
	tf, err := r.tf()
	if err != nil {
		return err
	}
	verb := "Applying"
	if destroy {
		verb = "Destroying"
	}
	p := &Progress{Out: r.stderr(), TTY: r.TTY, Verb: verb, Total: total}
	var errBuf bytes.Buffer
	tf.SetStderr(&errBuf)
	err = r.stream(p, func(w io.Writer) error {
		return r.Guard(ctx, destroy, func(ctx context.Context) error {
			return tf.ApplyJSON(ctx, w, tfexec.DirOrPlan(planFile))
		})
	})
	ok, failed := p.Done()
	r.logger().Debug("apply finished", "done", ok, "failed", failed, "summary", p.Summary())
	if err != nil {
		return r.wrap("terraform apply", err, errBuf.String(), p.Diagnostics())
	}
	if s := p.Summary(); s != "" {
		fmt.Fprintln(r.stderr(), s)
	}
	return nil
}

// Outputs returns `terraform output -json` as raw JSON (name → {value, type, sensitive}).
func (r *Runner) Outputs(ctx context.Context) ([]byte, error) {
	tf, err := r.tf()
	if err != nil {
		return nil, err
	}
	outs, err := tf.Output(ctx)
	if err != nil {
		return nil, fmt.Errorf("terraform output in %s: %w", r.Dir, err)
	}
	return json.Marshal(outs)
}

// stream runs fn with a writer that feeds the progress line.
func (r *Runner) stream(p *Progress, fn func(w io.Writer) error) error {
	p.Start()
	w := p.Writer()
	err := fn(w)
	_ = w.Close()
	p.Stop()
	return err
}

func (r *Runner) redact(s string) string {
	if r.Redact == nil {
		return s
	}
	return r.Redact(s)
}

// wrap turns a failed command into an error that says what Terraform said
// and, after an interrupt, what became of state and its lock.
func (r *Runner) wrap(what string, err error, stderr string, diags []Diagnostic) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrInterrupted) {
		return r.interrupted(what, err)
	}
	var lines []string
	for _, d := range diags {
		if d.Severity == "error" {
			lines = append(lines, r.redact(d.String()))
		}
	}
	if len(lines) == 0 {
		if s := strings.TrimSpace(stderr); s != "" {
			lines = append(lines, strings.Split(r.redact(s), "\n")...)
		}
	}
	e := &Error{Op: what, Dir: r.Dir, Lines: lines, Err: err}
	if info, ok := LockInError(e); ok {
		// Terraform names the lock but not the way out.
		e.Lines = append(e.Lines, strings.Split(r.LockAdvice(info, r.LockInfoFile), "\n")...)
	}
	return e
}

// interrupted says what an interrupted command left: it checks the lock
// file rather than assuming Terraform released it.
func (r *Runner) interrupted(what string, err error) error {
	// Terraform's own cleanup is done by now (it exited); the file is the truth.
	var info LockInfo
	var left bool
	var lerr error
	if r.LockInfoFile != "" {
		info, left, lerr = ReadLockInfo(context.Background(), r.LockInfoFile)
	}
	var b strings.Builder
	killed := errors.Is(err, ErrKilled)
	if killed {
		b.WriteString("Terraform was killed before it could finish: state holds only what it had written before the kill, so resources created or deleted since its last write (and those in flight) may exist in AWS without being in state, or be in state but gone; the next plan shows what state knows.")
	} else {
		b.WriteString("Terraform was asked to stop and has exited; its state is saved.")
	}
	switch {
	case r.LockInfoFile != "" && left && lerr != nil:
		fmt.Fprintf(&b, " Its lock file %s remains but cannot be read (%v): remove it once no Terraform process runs in %s.", r.LockInfoFile, lerr, r.Dir)
	case r.LockInfoFile != "" && left:
		fmt.Fprintf(&b, "\n%s", r.LockAdvice(info, r.LockInfoFile))
	case r.LockInfoFile != "":
		b.WriteString(" Its state lock is released.")
	case killed:
		b.WriteString(" Its state lock (in the backend) may remain: the next run then fails with \"Error acquiring the state lock\", naming the lock ID and how to remove it.")
	default:
		b.WriteString(" It released its state lock.")
	}
	class := ErrInterrupted
	if killed {
		class = ErrKilled
	}
	return fmt.Errorf("%s in %s: %w: %s", what, r.Dir, class, strings.TrimSuffix(b.String(), "\n"))
}

// Error is a failed Terraform command: what ran, where, and what Terraform said.
type Error struct {
	Op    string
	Dir   string
	Lines []string
	Err   error
}

func (e *Error) Error() string {
	if len(e.Lines) == 0 {
		return fmt.Sprintf("%s in %s failed: %v", e.Op, e.Dir, e.Err)
	}
	first, _, _ := strings.Cut(e.Err.Error(), "\n")
	return fmt.Sprintf("%s in %s failed (%s):\n  %s", e.Op, e.Dir, first, strings.Join(e.Lines, "\n  "))
}

func (e *Error) Unwrap() error { return e.Err }

package test

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// nightlyWorkflow is the part of .github/workflows/nightly-e2e.yml the
// checks read.
type nightlyWorkflow struct {
	Jobs map[string]struct {
		TimeoutMinutes int               `yaml:"timeout-minutes"`
		Env            map[string]string `yaml:"env"`
		Steps          []struct {
			Name           string            `yaml:"name"`
			TimeoutMinutes int               `yaml:"timeout-minutes"`
			Uses           string            `yaml:"uses"`
			If             string            `yaml:"if"`
			Shell          string            `yaml:"shell"`
			Run            string            `yaml:"run"`
			With           map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

var reE2ETimeout = regexp.MustCompile(`(?m)^\t.*-tags e2e .*-timeout (\d+)m .*TestE2EAWS`)

// TestNightlyWorkflow keeps the nightly honest: a failed `make e2e` shows
// red (bash pipefail on every piped step), Go's timeout fires before the
// job's and the credentials' (so teardown and the same-job sweep still run),
// the run sweeps its own prefix whatever happened, and the hidden test data
// reaches the artifact.
func TestNightlyWorkflow(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../.github/workflows/nightly-e2e.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf nightlyWorkflow
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatalf("nightly-e2e.yml: %v", err)
	}
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := reE2ETimeout.FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile: no `go test -tags e2e ... -timeout <n>m ... TestE2EAWS` line under the e2e target")
	}
	goTimeout, _ := strconv.Atoi(string(m[1]))

	job, ok := wf.Jobs["e2e"]
	if !ok {
		t.Fatal("nightly-e2e.yml has no e2e job")
	}
	var sessionSeconds, sweepMinutes int
	sawE2E, sawSweep, sawUpload := false, false, false
	for _, st := range job.Steps {
		if strings.Contains(st.Run, "|") && st.Shell != "bash" {
			t.Errorf("step %q pipes without `shell: bash` (GitHub's default shell has no pipefail: the step would be green when the command fails)", st.Name)
		}
		switch {
		case strings.HasPrefix(st.Uses, "aws-actions/configure-aws-credentials"):
			sessionSeconds, _ = strconv.Atoi(st.With["role-duration-seconds"])
		case strings.Contains(st.Run, "make e2e"):
			sawE2E = true
		case strings.Contains(st.Run, "e2e-cleanup"):
			sawSweep = true
			if !strings.HasPrefix(st.If, "always()") {
				t.Errorf("sweep step %q: if %q, want always() (it must run after a failed or timed-out test)", st.Name, st.If)
			}
			if !strings.Contains(st.Run, `--prefix "$E2E_PREFIX"`) || !strings.Contains(st.Run, "--older-than 0") {
				t.Errorf("sweep step %q must sweep this run's own prefix with no age limit:\n%s", st.Name, st.Run)
			}
			if sweepMinutes = st.TimeoutMinutes; sweepMinutes == 0 {
				t.Errorf("sweep step %q has no timeout-minutes: a stuck sweep would use the whole job", st.Name)
			}
		case strings.HasPrefix(st.Uses, "actions/upload-artifact"):
			sawUpload = true
			if st.With["include-hidden-files"] != "true" {
				t.Errorf("upload step %q: include-hidden-files %q, want true (test/.test-data is hidden)", st.Name, st.With["include-hidden-files"])
			}
			if !strings.HasPrefix(st.If, "always()") {
				t.Errorf("upload step %q: if %q, want always()", st.Name, st.If)
			}
		}
	}
	if !sawE2E || !sawSweep || !sawUpload {
		t.Fatalf("e2e job steps: make e2e %v, same-job sweep %v, upload %v; want all three", sawE2E, sawSweep, sawUpload)
	}
	if !strings.HasPrefix(job.Env["E2E_PREFIX"], "e2e-") {
		t.Errorf("e2e job env E2E_PREFIX = %q: the job must choose the run's prefix so its sweep knows it", job.Env["E2E_PREFIX"])
	}
	// Go's timeout + the sweep + ~15 min for checkout, toolchain and builds
	// must fit in the job, and the job in the credentials' lifetime.
	if need := goTimeout + sweepMinutes + 15; need > job.TimeoutMinutes {
		t.Errorf("go test -timeout %dm + sweep %dm + 15m setup = %dm exceeds the job's timeout-minutes %d: the job is killed before Go's timeout and no teardown runs", goTimeout, sweepMinutes, need, job.TimeoutMinutes)
	}
	if time.Duration(job.TimeoutMinutes)*time.Minute > time.Duration(sessionSeconds)*time.Second {
		t.Errorf("job timeout-minutes %d outlives role-duration-seconds %d: the destroy would run on expired credentials", job.TimeoutMinutes, sessionSeconds)
	}
	if sessionSeconds > 10800 {
		t.Errorf("role-duration-seconds %d exceeds the 3 h MaxSessionDuration .github/e2e-ci-role/README.md asks for", sessionSeconds)
	}
	readme, err := os.ReadFile("../.github/e2e-ci-role/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), strconv.Itoa(sessionSeconds)) {
		t.Errorf(".github/e2e-ci-role/README.md does not document the role's MaxSessionDuration for role-duration-seconds %d", sessionSeconds)
	}
}

// TestMakeHelpAligned: every row of `make help` starts its description in
// the same column, however long the target's name (issue 30: three rows
// ran into their descriptions).
func TestMakeHelpAligned(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("make not installed: the README's commands need it")
		}
		t.Skip("make not installed (apt-get install make)")
	}
	out, err := exec.Command("make", "-s", "-C", "..", "help").CombinedOutput()
	if err != nil {
		t.Fatalf("make help: %v\n%s", err, out)
	}
	row := regexp.MustCompile(`^  (\S+)( +)\S`)
	col, rows := 0, 0
	for _, line := range strings.Split(string(out), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		rows++
		if c := 2 + len(m[1]) + len(m[2]); col == 0 {
			col = c
		} else if c != col {
			t.Errorf("make help: %q's description starts in column %d, the first row's in %d:\n%s", m[1], c, col, line)
		}
	}
	if rows < 10 {
		t.Errorf("make help printed %d target rows, want every target:\n%s", rows, out)
	}
}

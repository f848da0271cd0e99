package cli_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMESamples runs each `go run ./cmd/verify ...` command of README.md
// and docs/*.md
// whose next fenced block is its sample output, and checks that every line of
// the sample appears in the real output, in order, once run IDs, ports,
// durations and request IDs are masked and spaces folded ("..." stands for
// lines a sample leaves out). A newcomer sees what the README shows.
func TestREADMESamples(t *testing.T) {
	t.Parallel()
	pages, err := filepath.Glob("../../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var samples []readmeSample
	for _, page := range append([]string{"../../../README.md"}, pages...) {
		samples = append(samples, readmeSamples(t, page)...)
	}
	if len(samples) < 2 {
		t.Fatalf("found %d samples of `go run ./cmd/verify` in README.md and docs/*.md, want at least the quick start's two (docs/local.md: its command and fault blocks, each followed by a plain fenced block)", len(samples))
	}
	for _, s := range samples {
		t.Run(strings.Join(s.args, " "), func(t *testing.T) {
			t.Parallel()
			_, out, errs := run(t, "", s.args...)
			got := strings.Split(maskOutput(out), "\n")
			i := 0
			for _, want := range s.lines {
				want = maskOutput(want)
				if want == "" || want == "..." {
					continue
				}
				for i < len(got) && got[i] != want {
					i++
				}
				if i == len(got) {
					t.Fatalf("%s:%d: the sample's line\n  %s\nis not in the output (in order):\n%s\nstderr:\n%s", s.page, s.line, want, out, errs)
				}
				i++
			}
		})
	}
}

type readmeSample struct {
	page  string // README.md or docs/<page>.md
	args  []string
	line  int // where the sample block starts
	lines []string
}

// readmeSamples pairs each fenced `sh` block holding one `go run ./cmd/verify`
// command with the plain fenced block that comes next.
func readmeSamples(t *testing.T, path string) []readmeSample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		samples []readmeSample
		pending []string // args of the last command block, until a sample follows
		inBlock bool
		info    string
		block   []string
		start   int
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "```") {
			if inBlock {
				block = append(block, line)
			}
			continue
		}
		if !inBlock {
			inBlock, info, block, start = true, strings.TrimSpace(strings.TrimPrefix(line, "```")), nil, n+1
			continue
		}
		inBlock = false
		switch {
		case strings.HasPrefix(info, "sh"):
			pending = nil
			if len(block) == 1 && strings.HasPrefix(block[0], "go run ./cmd/verify") {
				cmd, _, _ := strings.Cut(block[0], "#")
				pending = strings.Fields(cmd)[3:]
			}
		case info == "" && pending != nil:
			samples = append(samples, readmeSample{page: strings.TrimPrefix(path, "../../../"), args: pending, line: start, lines: block})
			pending = nil
		default:
			pending = nil
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return samples
}

var outputMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\brun [0-9a-f]{12}\b`), "run RUN"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	{regexp.MustCompile(`\b\d+( ?)ms\b`), "N${1}ms"},
	{regexp.MustCompile(`\[[0-9a-f-]{36}\]`), "[REQUEST]"},
}

// maskOutput masks what differs from run to run and folds runs of spaces
// (table columns widen with their longest cell).
func maskOutput(s string) string {
	for _, m := range outputMasks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

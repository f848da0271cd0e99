package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docPages are the pages a reader follows: the front page, docs/*.md, and
// the example and module READMEs.
func docPages(t *testing.T) []string {
	t.Helper()
	pages := []string{"../README.md"}
	for _, pat := range []string{"../docs/*.md", "../terraform/examples/*/README.md", "../terraform/modules/*/README.md"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, m...)
	}
	return pages
}

var (
	// [text](target) outside code spans; images too.
	mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	fence  = regexp.MustCompile("^\\s*(```|~~~)")
	code   = regexp.MustCompile("`[^`]*`")
)

// TestDocLinks: every relative link in the docs names a file or directory
// that exists, and every #anchor a heading of the page it points to (the
// anchors GitHub makes: lower case, punctuation dropped, spaces to hyphens).
func TestDocLinks(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	pages := docPages(t)
	if len(pages) < 8 {
		t.Fatalf("found %d pages: want README.md, docs/*.md and the Terraform READMEs", len(pages))
	}
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		a := headingAnchors(t, path)
		anchors[path] = a
		return a
	}
	for _, page := range pages {
		abs, _ := filepath.Abs(page)
		rel, _ := filepath.Rel(root, abs)
		for _, l := range links(t, page) {
			target := l.target
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(target, "#")
			dest := abs
			if file != "" {
				dest = filepath.Join(filepath.Dir(abs), filepath.FromSlash(file))
			}
			destRel, _ := filepath.Rel(root, dest)
			st, err := os.Stat(dest)
			if err != nil {
				t.Errorf("%s:%d: link %q: %s does not exist", rel, l.line, target, destRel)
				continue
			}
			if frag == "" {
				continue
			}
			if st.IsDir() || !strings.HasSuffix(dest, ".md") {
				t.Errorf("%s:%d: link %q: an anchor into %s, which is not a Markdown page", rel, l.line, target, destRel)
				continue
			}
			if !anchorsOf(dest)[frag] {
				t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", rel, l.line, target, destRel, frag)
			}
		}
	}
}

type link struct {
	target string
	line   int
}

func links(t *testing.T, path string) []link {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []link
	inFence := false
	for i, line := range strings.Split(string(b), "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(code.ReplaceAllString(line, ""), -1) {
			out = append(out, link{m[1], i + 1})
		}
	}
	return out
}

var notAnchor = regexp.MustCompile(`[^\p{L}\p{N}\- _]`)

// headingAnchors are a page's heading anchors, as GitHub makes them
// (duplicates get -1, -2, ...).
func headingAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	out := map[string]bool{}
	inFence := false
	for _, line := range strings.Split(string(b), "\n") {
		if fence.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(line, "#"))
		h = strings.NewReplacer("`", "", "*", "").Replace(h)
		a := strings.ReplaceAll(strings.ToLower(notAnchor.ReplaceAllString(h, "")), " ", "-")
		if n := seen[a]; n > 0 {
			out[a+"-"+strconv.Itoa(n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// TestDocsRunnerChecksSamples: test/readme-offline.sh, which runs every
// `sh offline` block of the docs, fails a block whose output lacks a line of
// the `text output` sample that follows it (a count the page states that a
// real run does not print) and passes one whose sample it prints.
func TestDocsRunnerChecksSamples(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := func(name, plan string) string {
		p := filepath.Join(dir, name)
		body := "# t\n\n```sh offline\necho 'Plan: 30 to add, 0 to change, 0 to destroy.'\necho 'Saved plan: /tmp/x/plan.tfplan'\n```\n\n" +
			"```text output\n...\n" + plan + "\nSaved plan: .../plan.tfplan\n```\n"
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(p string) (string, error) {
		out, err := exec.Command("bash", "readme-offline.sh", p).CombinedOutput()
		return string(out), err
	}
	if out, err := run(page("ok.md", "Plan: 30 to add, 0 to change, 0 to destroy.")); err != nil {
		t.Errorf("a sample the block prints: %v\n%s", err, out)
	}
	out, err := run(page("stale.md", "Plan: 29 to add, 0 to change, 0 to destroy."))
	if err == nil || !strings.Contains(out, "Plan: 29 to add") || !strings.Contains(out, "is not what the sample after it shows") {
		t.Errorf("a stale count must fail naming the line: %v\n%s", err, out)
	}
}

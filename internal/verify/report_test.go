package verify_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/finding"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestTableEscapesControlCharacters: inputs reach the table verbatim; a
// newline or terminal escape in them must not forge rows or recolour it.
func TestTableEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	rep := verify.NewChecksReport("r1", "us-east-1\x1b[31m")
	rep.AddChecks(finding.Finding{Check: "nlb-target", Target: "broker 1\nPASS: forged", Detail: "bad\x07bell", NextStep: "fix\rit"})
	var b bytes.Buffer
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\nPASS: forged"} {
		if strings.Contains(out, bad) {
			t.Errorf("table holds %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{`\x1b[31m`, `broker 1\x0aPASS: forged`, `bad\x07bell`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks the escaped %q:\n%s", want, out)
		}
	}
}

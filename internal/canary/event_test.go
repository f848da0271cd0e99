package canary_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mskvpce/mskvpce/internal/remoteverify"
)

// jsonNames returns the JSON member names of a struct type.
func jsonNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
			names[n] = true
		}
	}
	return names
}

// The event the module's schedule sends (local.event in lambda.tf) must use
// remoteverify.Event's member names: encoding/json ignores unknown members,
// so a renamed field would otherwise go silently unset in every run.
func TestModuleEventMatchesRemoteverify(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "terraform", "modules", "verify-canary", "lambda.tf"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)\n  event = \{\n(.*?)\n  \}\n`).FindSubmatch(b)
	if block == nil {
		t.Fatal("lambda.tf: no `event = {...}` block in locals")
	}
	event, broker := jsonNames(reflect.TypeOf(remoteverify.Event{})), jsonNames(reflect.TypeOf(remoteverify.Broker{}))
	var sent []string
	for _, m := range regexp.MustCompile(`(?m)^    ([a-z_]+)\s*=`).FindAllSubmatch(block[1], -1) {
		sent = append(sent, string(m[1]))
		if !event[string(m[1])] {
			t.Errorf("lambda.tf event sends %q, which remoteverify.Event does not have", m[1])
		}
	}
	for _, required := range []string{"region", "bootstrap", "brokers", "role_arn", "external_id"} {
		if !strings.Contains(" "+strings.Join(sent, " ")+" ", " "+required+" ") {
			t.Errorf("lambda.tf event does not send %q (required by remoteverify.Event.Validate)", required)
		}
	}
	inner := regexp.MustCompile(`brokers\s*=\s*\[for [^:]+:\s*\{([^}]*)\}`).FindSubmatch(block[1])
	if inner == nil {
		t.Fatal("lambda.tf event: no brokers = [for ... : { ... }]")
	}
	for _, m := range regexp.MustCompile(`([a-z_]+)\s*=`).FindAllSubmatch(inner[1], -1) {
		if !broker[string(m[1])] {
			t.Errorf("lambda.tf event brokers send %q, which remoteverify.Broker does not have", m[1])
		}
	}
}

package remoteverify_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/canary"
	"github.com/mskvpce/mskvpce/internal/remoteverify"
)

var moduleDir = filepath.Join("..", "..", "terraform", "modules", "verify-canary")

// demoConfig is the configuration of the module's own tests
// (tests/canary.tftest.hcl's variables).
func demoConfig() remoteverify.Config {
	c := remoteverify.Config{
		Region:     "us-east-1",
		RoleARN:    "arn:aws:iam::123456789012:role/my-msk-vpce-databricks-msk",
		ExternalID: "ext-from-databricks",
		Timeout:    90 * time.Second,
		Metrics:    canary.Config{Namespace: "mskvpce/VerifyCanary", Canary: "my-msk-vpce"},
	}
	for i := 1; i <= 3; i++ {
		c.Brokers = append(c.Brokers, remoteverify.Broker{ID: i, Host: fmt.Sprintf("b-%d.demo.abc123.c2.kafka.us-east-1.amazonaws.com", i)})
		c.Bootstrap = append(c.Bootstrap, c.Brokers[i-1].Host)
	}
	return c
}

func mustEnv(t *testing.T, c remoteverify.Config) map[string]string {
	t.Helper()
	env, err := c.Env()
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// What the module's test asserts the Lambda's environment is (the same
// file), read by the function's own configuration path, is the module
// test's deployment: Terraform's encoding and Go's decoding agree.
func TestModuleEnvironmentDecodes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(moduleDir, "tests", "testdata", "environment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	got, err := remoteverify.ConfigFromEnv(append(remoteverify.Environ(env), "AWS_REGION=us-east-1", "PATH=/usr/bin"))
	if err != nil {
		t.Fatalf("ConfigFromEnv: %v", err)
	}
	if want := demoConfig(); !reflect.DeepEqual(got, want) {
		t.Errorf("ConfigFromEnv(tests/testdata/environment.json)\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(mustEnv(t, demoConfig()), env) {
		t.Errorf("Config.Env() = %v, want the module's %v", mustEnv(t, demoConfig()), env)
	}
}

// lambda.tf's environment sets exactly the variables ConfigFromEnv reads:
// a variable the Go side does not know would fail every init, one it needs
// and does not get likewise.
func TestModuleSetsTheseVariables(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(moduleDir, "lambda.tf"))
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?s)\n  environment = \{ for k, v in \{\n(.*?)\n  \} : k => v if v != null \}\n`).FindSubmatch(b)
	if block == nil {
		t.Fatal("lambda.tf: no `environment = { for k, v in { ... } : k => v if v != null }` in locals")
	}
	var set []string
	for _, m := range regexp.MustCompile(`(?m)^    ([A-Z_]+)\s*=`).FindAllSubmatch(block[1], -1) {
		set = append(set, string(m[1]))
	}
	all := mustEnv(t, withOptional(demoConfig()))
	want := make([]string, 0, len(all))
	for k := range all {
		want = append(want, k)
	}
	sort.Strings(set)
	sort.Strings(want)
	if !reflect.DeepEqual(set, want) {
		t.Errorf("lambda.tf sets %v\nremoteverify reads %v", set, want)
	}
	if !regexp.MustCompile(`\n  event = \{\n    timeout_seconds = var\.timeout_seconds\n  \}\n`).Match(b) {
		t.Error("lambda.tf's event is not { timeout_seconds = var.timeout_seconds }: if it changed, check it against remoteverify.Event (DecodeEvent refuses every other member)")
	}
}

func withOptional(c remoteverify.Config) remoteverify.Config {
	c.Topic, c.Mechanism = "canary-topic", "both"
	return c
}

// Lambda allows 4 KB of environment, measured as its JSON. 30 brokers (an
// MSK cluster's default maximum) whose cluster label is the longest DNS
// allows (63 characters), in a long region name, bootstrapping through three
// Express boot hosts, fit, with the longest external ID STS takes, a long
// role path and the longest topic Kafka allows.
func TestThirtyBrokersFitLambdasEnvironment(t *testing.T) {
	t.Parallel()
	c := demoConfig()
	c.Region = "ap-southeast-5"
	domain := strings.Repeat("c", 63) + ".abc123.c12.kafka.ap-southeast-5.amazonaws.com"
	c.Brokers = nil
	c.Bootstrap = nil
	for i := 1; i <= 30; i++ {
		b := remoteverify.Broker{ID: i, Host: fmt.Sprintf("b-%d.%s", i, domain)}
		if i <= 3 {
			b.Names = []string{fmt.Sprintf("boot-%08x.%s", i, domain)}
			c.Bootstrap = append(c.Bootstrap, b.Names[0])
		}
		c.Brokers = append(c.Brokers, b)
	}
	c.RoleARN = "arn:aws:iam::123456789012:role/" + strings.Repeat("p", 200) + "/" + strings.Repeat("r", 64)
	c.ExternalID = strings.Repeat("e", 1224)
	c.Topic = strings.Repeat("t", 249)
	c.Mechanism = "oauthbearer"
	c.Metrics.Canary = strings.Repeat("n", 24)
	env := mustEnv(t, c)
	n := remoteverify.EnvBytes(env)
	t.Logf("30 brokers and 3 boot hosts, worst-case names: %d bytes of %d (brokers %d, bootstrap %d, domain %d)", n, remoteverify.MaxEnvBytes, len(env[remoteverify.EnvBrokers]), len(env[remoteverify.EnvBootstrap]), len(env[remoteverify.EnvDomain]))
	if n > remoteverify.MaxEnvBytes {
		t.Errorf("environment is %d bytes, over Lambda's %d", n, remoteverify.MaxEnvBytes)
	}
	got, err := remoteverify.ConfigFromEnv(remoteverify.Environ(env))
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("round trip: %v\n got %+v\nwant %+v", err, got, c)
	}
	// What every broker would cost spelled out in full.
	full := 0
	for _, b := range c.Brokers {
		full += len(b.Advertised()) + 1
	}
	if full < len(env[remoteverify.EnvBrokers])*5 {
		t.Errorf("the compact form (%d bytes) should be far smaller than full hostnames (%d)", len(env[remoteverify.EnvBrokers]), full)
	}
}

// A configuration the function cannot run with fails init, the message
// naming the variable and never repeating the external ID.
func TestConfigFromEnvRefuses(t *testing.T) {
	t.Parallel()
	base := mustEnv(t, demoConfig())
	tests := []struct {
		name, key, value, want string
	}{
		{"no region", remoteverify.EnvRegion, "", remoteverify.EnvRegion},
		{"bad region", remoteverify.EnvRegion, "us east 1", remoteverify.EnvRegion},
		{"no domain", remoteverify.EnvDomain, "", remoteverify.EnvDomain},
		{"domain with a port", remoteverify.EnvDomain, "demo.example.com:9098", remoteverify.EnvDomain},
		{"no brokers", remoteverify.EnvBrokers, "", remoteverify.EnvBrokers},
		{"broker without label", remoteverify.EnvBrokers, "1=b-1,2", remoteverify.EnvBrokers},
		{"broker id zero", remoteverify.EnvBrokers, "0=b-0", remoteverify.EnvBrokers},
		{"broker twice", remoteverify.EnvBrokers, "1=b-1,1=b-1", remoteverify.EnvBrokers},
		{"label with a dot", remoteverify.EnvBrokers, "1=b-1.evil.example.com", remoteverify.EnvBrokers},
		{"label naming another broker", remoteverify.EnvBrokers, "1=b-2,2=b-2x,3=b-3", remoteverify.EnvBrokers},
		{"further name with a dot", remoteverify.EnvBrokers, "1=b-1+boot-a.evil.example.com,2=b-2,3=b-3", remoteverify.EnvBrokers},
		{"empty further name", remoteverify.EnvBrokers, "1=b-1+,2=b-2,3=b-3", remoteverify.EnvBrokers},
		{"further name twice", remoteverify.EnvBrokers, "1=b-1+boot-a+boot-a,2=b-2,3=b-3", "broker 1 lists boot-a twice"},
		{"further name given to two brokers", remoteverify.EnvBrokers, "1=b-1+boot-a,2=b-2+boot-a,3=b-3", "boot-a is given to brokers 1 and 2"},
		{"another broker's hostname as a further name", remoteverify.EnvBrokers, "1=b-1+b-2,2=b-2,3=b-3", "b-2 is given to brokers 1 and 2"},
		{"no bootstrap", remoteverify.EnvBootstrap, "", remoteverify.EnvBootstrap},
		{"bootstrap of an unknown label", remoteverify.EnvBootstrap, "b-1,b-9", `"b-9" is not the label of a name`},
		{"bootstrap as broker ids", remoteverify.EnvBootstrap, "1,2,3", `"1" is not the label of a name`},
		{"bootstrap as hostname", remoteverify.EnvBootstrap, "b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com", remoteverify.EnvBootstrap},
		{"bootstrap host:port", remoteverify.EnvBootstrap, "127.0.0.1:22", remoteverify.EnvBootstrap},
		{"bootstrap twice", remoteverify.EnvBootstrap, "b-1,b-2,b-1", "b-1 is listed twice"},
		{"no role", remoteverify.EnvRoleARN, "", remoteverify.EnvRoleARN},
		{"not a role", remoteverify.EnvRoleARN, "arn:aws:iam::123456789012:user/x", remoteverify.EnvRoleARN},
		{"no external id", remoteverify.EnvExternalID, "", remoteverify.EnvExternalID},
		{"external id with spaces", remoteverify.EnvExternalID, "SECRET MARKER", remoteverify.EnvExternalID},
		{"bad topic", remoteverify.EnvTopic, "no spaces", remoteverify.EnvTopic},
		{"bad mechanism", remoteverify.EnvSASLMechanism, "plain", remoteverify.EnvSASLMechanism},
		{"no timeout", remoteverify.EnvTimeoutSeconds, "", remoteverify.EnvTimeoutSeconds},
		{"timeout past Lambda's", remoteverify.EnvTimeoutSeconds, "841", remoteverify.EnvTimeoutSeconds},
		{"no namespace", canary.EnvNamespace, "", canary.EnvNamespace},
		{"an STS endpoint", "MSKVPCE_CANARY_STS_ENDPOINT", "http://127.0.0.1:1", "MSKVPCE_CANARY_STS_ENDPOINT is not a setting"},
		{"a CA", "MSKVPCE_CANARY_CA_PEM", "-----BEGIN CERTIFICATE-----", "MSKVPCE_CANARY_CA_PEM is not a setting"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			if tt.value == "" {
				delete(env, tt.key)
			} else {
				env[tt.key] = tt.value
			}
			_, err := remoteverify.ConfigFromEnv(remoteverify.Environ(env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "SECRET MARKER") {
				t.Errorf("the error repeats the external ID: %v", err)
			}
		})
	}
	if _, err := remoteverify.ConfigFromEnv(remoteverify.Environ(base)); err != nil {
		t.Fatalf("the unchanged configuration is refused: %v", err)
	}
}

// An Express cluster, as the module writes it (its express_cluster test):
// each broker carries the boot-... name given to it, and the canary
// bootstraps from those names in the cluster's order. They reach the
// verifier as aliases of the brokers' paths, so its bootstrap check takes
// them as routed.
func TestExpressConfig(t *testing.T) {
	t.Parallel()
	const domain = "demo.abc123.c2.kafka.us-east-1.amazonaws.com"
	env := mustEnv(t, demoConfig())
	env[remoteverify.EnvBrokers] = "1=b-1+boot-aa1,2=b-2+boot-mm5,3=b-3+boot-qq7"
	env[remoteverify.EnvBootstrap] = "boot-qq7,boot-aa1,boot-mm5"
	got, err := remoteverify.ConfigFromEnv(remoteverify.Environ(env))
	if err != nil {
		t.Fatalf("ConfigFromEnv: %v", err)
	}
	want := demoConfig()
	for i, boot := range []string{"boot-aa1", "boot-mm5", "boot-qq7"} {
		want.Brokers[i].Names = []string{boot + "." + domain}
	}
	want.Bootstrap = []string{"boot-qq7." + domain, "boot-aa1." + domain, "boot-mm5." + domain}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ConfigFromEnv\n got %+v\nwant %+v", got, want)
	}
	if back := mustEnv(t, got); !reflect.DeepEqual(back, env) {
		t.Errorf("Env() of the decoded configuration = %v, want %v", back, env)
	}
	tg := remoteverify.TargetForTest(got)
	if want := map[string]int{"boot-aa1." + domain: 1, "boot-mm5." + domain: 2, "boot-qq7." + domain: 3}; !reflect.DeepEqual(tg.Aliases, want) {
		t.Errorf("target aliases %v, want %v", tg.Aliases, want)
	}
	if want := []string{"boot-qq7." + domain + ":9098", "boot-aa1." + domain + ":9098", "boot-mm5." + domain + ":9098"}; !reflect.DeepEqual(tg.Bootstrap, want) {
		t.Errorf("target bootstrap %v, want %v", tg.Bootstrap, want)
	}

	// A bootstrap list of a broker being removed never reaches the
	// function (the module leaves such hosts out); a host that is neither a
	// broker's nor given to one is refused at init.
	env[remoteverify.EnvBootstrap] = "boot-qq7,boot-zz9"
	if _, err := remoteverify.ConfigFromEnv(remoteverify.Environ(env)); err == nil || !strings.Contains(err.Error(), `"boot-zz9" is not the label of a name`) {
		t.Errorf("a boot host given to no broker: err %v", err)
	}

	// Env refuses what the module could not have written.
	bad := want
	bad.Bootstrap = []string{"boot-aa1.other.example.com"}
	if _, err := bad.Env(); err == nil || !strings.Contains(err.Error(), "bootstrap host boot-aa1.other.example.com is not in "+domain) {
		t.Errorf("Env of a bootstrap host in another domain: err %v", err)
	}
	bad = demoConfig()
	bad.Brokers[0].Names = []string{"boot-aa1.other.example.com"}
	if _, err := bad.Env(); err == nil || !strings.Contains(err.Error(), "broker 1's name boot-aa1.other.example.com is not in "+domain) {
		t.Errorf("Env of a further name in another domain: err %v", err)
	}
}

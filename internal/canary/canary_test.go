package canary

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/verify"
)

func TestResults(t *testing.T) {
	t.Parallel()
	path := func(id int, mech string, ok bool, ms int64) verify.PathReport {
		return verify.PathReport{BrokerID: id, Mechanism: mech, Passed: ok, Millis: ms}
	}
	tests := []struct {
		name     string
		report   *verify.Report
		expected []int
		want     []BrokerResult
	}{
		{
			name:     "all pass, sorted by broker id",
			report:   &verify.Report{Paths: []verify.PathReport{path(3, "AWS_MSK_IAM", true, 30), path(1, "AWS_MSK_IAM", true, 10), path(2, "AWS_MSK_IAM", true, 20)}},
			expected: []int{1, 2, 3},
			want:     []BrokerResult{{1, true, 10}, {2, true, 20}, {3, true, 30}},
		},
		{
			name:     "one broker fails",
			report:   &verify.Report{Paths: []verify.PathReport{path(1, "AWS_MSK_IAM", true, 10), path(2, "AWS_MSK_IAM", false, 5000)}},
			expected: []int{1, 2},
			want:     []BrokerResult{{1, true, 10}, {2, false, 5000}},
		},
		{
			name: "a broker passes only if every mechanism passed; slowest time wins",
			report: &verify.Report{Paths: []verify.PathReport{
				path(1, "AWS_MSK_IAM", true, 10), path(1, "OAUTHBEARER", false, 40),
				path(2, "AWS_MSK_IAM", false, 70), path(2, "OAUTHBEARER", true, 15),
				path(3, "AWS_MSK_IAM", true, 12), path(3, "OAUTHBEARER", true, 9),
			}},
			expected: []int{1, 2, 3},
			want:     []BrokerResult{{1, false, 40}, {2, false, 70}, {3, true, 12}},
		},
		{
			name:     "an expected broker missing from the report fails without a time",
			report:   &verify.Report{Paths: []verify.PathReport{path(1, "AWS_MSK_IAM", true, 10)}},
			expected: []int{1, 2},
			want:     []BrokerResult{{1, true, 10}, {2, false, -1}},
		},
		{
			name:     "no report at all (the run failed before any path): every broker fails",
			report:   nil,
			expected: []int{2, 1},
			want:     []BrokerResult{{1, false, -1}, {2, false, -1}},
		},
		{
			name:     "a reported broker nobody expected is still reported",
			report:   &verify.Report{Paths: []verify.PathReport{path(4, "AWS_MSK_IAM", true, 8)}},
			expected: nil,
			want:     []BrokerResult{{4, true, 8}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Results(tt.report, tt.expected); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Results() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEMF(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 3, 13, 0, 0, 0, time.UTC)
	cfg := Config{Namespace: "mskvpce/VerifyCanary", Canary: "my-msk-vpce"}
	lines, err := EMF(cfg, at, []BrokerResult{{1, true, 812}, {2, false, -1}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`{"BrokerId":"1","Canary":"my-msk-vpce","PathPassed":1,"TimeToVerdict":812,"_aws":{"CloudWatchMetrics":[{"Dimensions":[["Canary","BrokerId"]],"Metrics":[{"Name":"PathPassed","Unit":"Count"},{"Name":"TimeToVerdict","Unit":"Milliseconds"}],"Namespace":"mskvpce/VerifyCanary"}],"Timestamp":1796302800000}}`,
		`{"BrokerId":"2","Canary":"my-msk-vpce","PathPassed":0,"_aws":{"CloudWatchMetrics":[{"Dimensions":[["Canary","BrokerId"]],"Metrics":[{"Name":"PathPassed","Unit":"Count"}],"Namespace":"mskvpce/VerifyCanary"}],"Timestamp":1796302800000}}`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d", len(lines), len(want))
	}
	for i := range want {
		if string(lines[i]) != want[i] {
			t.Errorf("line %d:\n got %s\nwant %s", i, lines[i], want[i])
		}
	}
}

// The EMF specification's rules, checked independently of the golden lines:
// every declared metric and dimension is a root member, dimension values are
// strings, metric values are numbers, at most 30 dimensions and 100 metrics.
func TestEMFFollowsTheSpecification(t *testing.T) {
	t.Parallel()
	lines, err := EMF(Config{Namespace: "ns", Canary: "c"}, time.Now(), []BrokerResult{{1, true, 5}, {7, false, -1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range lines {
		var doc map[string]any
		if err := json.Unmarshal(line, &doc); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if strings.ContainsRune(string(line), '\n') {
			t.Errorf("EMF must be one line: %q", line)
		}
		meta := doc["_aws"].(map[string]any)
		if _, ok := meta["Timestamp"].(float64); !ok {
			t.Errorf("_aws.Timestamp must be a number: %s", line)
		}
		for _, d := range meta["CloudWatchMetrics"].([]any) {
			directive := d.(map[string]any)
			if directive["Namespace"] == "" {
				t.Errorf("empty namespace: %s", line)
			}
			for _, set := range directive["Dimensions"].([]any) {
				names := set.([]any)
				if len(names) > 30 {
					t.Errorf("more than 30 dimensions: %s", line)
				}
				for _, n := range names {
					if _, ok := doc[n.(string)].(string); !ok {
						t.Errorf("dimension %v must be a string root member: %s", n, line)
					}
				}
			}
			metrics := directive["Metrics"].([]any)
			if len(metrics) > 100 {
				t.Errorf("more than 100 metrics: %s", line)
			}
			for _, m := range metrics {
				name := m.(map[string]any)["Name"].(string)
				if _, ok := doc[name].(float64); !ok {
					t.Errorf("metric %s must be a numeric root member: %s", name, line)
				}
			}
		}
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{EnvNamespace: "mskvpce/VerifyCanary", EnvName: "my-msk-vpce"}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil || c != (Config{Namespace: "mskvpce/VerifyCanary", Canary: "my-msk-vpce"}) {
		t.Fatalf("ConfigFromEnv = %+v, %v", c, err)
	}
	_, err = ConfigFromEnv(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), EnvNamespace) || !strings.Contains(err.Error(), EnvName) {
		t.Fatalf("missing variables must both be named, got %v", err)
	}
	if _, err := EMF(Config{}, time.Now(), nil); err == nil {
		t.Fatal("EMF with an empty config must fail")
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	r := &verify.Report{Paths: []verify.PathReport{{BrokerID: 2, Passed: true, Millis: 7}}}
	if err := Write(&b, Config{Namespace: "ns", Canary: "c"}, r, time.UnixMilli(0), []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"BrokerId":"1","Canary":"c","PathPassed":0,`) || !strings.Contains(lines[1], `"BrokerId":"2","Canary":"c","PathPassed":1,"TimeToVerdict":7,`) {
		t.Fatalf("Write printed:\n%s", b.String())
	}
	if err := Write(&b, Config{}, r, time.Now(), nil); err == nil {
		t.Fatal("Write with an empty config must fail")
	}
}

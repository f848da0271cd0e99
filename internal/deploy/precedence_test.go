package deploy

import (
	"fmt"
	"testing"
)

// Every combination of the five sources giving one input: the highest
// present wins, and only flags and environment are this run's.
func TestMergeInputsPrecedence(t *testing.T) {
	t.Parallel()
	type layer struct {
		name, from string
	}
	// Lowest to highest; the remembered var file counts only without this run's.
	order := []layer{{"recorded", fromRecorded}, {"remembered", fromRemembered}, {"varfile", fromVarFile}, {"env", fromEnv}, {"flag", fromFlag}}
	for mask := 0; mask < 1<<len(order); mask++ {
		has := func(name string) bool {
			for i, l := range order {
				if l.name == name {
					return mask&(1<<i) != 0
				}
			}
			panic(name)
		}
		s := InputSources{Flags: Values{}, Env: Values{}, Recorded: Values{}}
		if has("recorded") {
			s.Recorded["region"] = "recorded"
		}
		if has("remembered") {
			s.RememberedVarFiles = []Values{{"region": "remembered"}}
		}
		if has("varfile") {
			s.VarFiles = []Values{{"region": "varfile"}}
		}
		if has("env") {
			s.Env["region"] = "env"
		}
		if has("flag") {
			s.Flags["region"] = "flag"
		}
		want, wantFrom := "", ""
		for _, l := range order {
			if !has(l.name) || (l.name == "remembered" && has("varfile")) {
				continue
			}
			want, wantFrom = l.name, l.from
		}
		t.Run(fmt.Sprintf("%05b", mask), func(t *testing.T) {
			r := MergeInputs(s)
			got, ok := r.Merged["region"]
			if want == "" {
				if ok {
					t.Fatalf("no source gives region, merged %v", got)
				}
				return
			}
			if got != want || r.From["region"] != wantFrom {
				t.Errorf("merged %v from %q, want %q from %q", got, r.From["region"], want, wantFrom)
			}
			_, mine := r.ThisRun["region"]
			if wantMine := has("flag") || has("env"); mine != wantMine {
				t.Errorf("this run's: %v, want %v (only flags and environment are recorded and passed as -var)", mine, wantMine)
			}
		})
	}
}

// Several var files: the later one wins, key by key; inputs from different
// sources combine.
func TestMergeInputsCombines(t *testing.T) {
	t.Parallel()
	r := MergeInputs(InputSources{
		Flags:              Values{"prefix": "from-flag"},
		Env:                Values{"region": "eu-west-1", "prefix": "from-env"},
		VarFiles:           []Values{{"owner": "a@example.com", "cidr_block": "10.0.0.0/16"}, {"owner": "b@example.com"}},
		RememberedVarFiles: []Values{{"service_name": "ignored"}},
		Recorded:           Values{"service_name": "recorded", "cidr_block": "10.9.0.0/16"},
	})
	want := map[string]string{"prefix": "from-flag", "region": "eu-west-1", "owner": "b@example.com", "cidr_block": "10.0.0.0/16", "service_name": "recorded"}
	for k, v := range want {
		if r.Merged[k] != v {
			t.Errorf("%s = %v, want %v", k, r.Merged[k], v)
		}
	}
	if len(r.Merged) != len(want) {
		t.Errorf("merged %v", r.Merged)
	}
	if len(r.ThisRun) != 2 || r.ThisRun["prefix"] != "from-flag" || r.ThisRun["region"] != "eu-west-1" {
		t.Errorf("this run %v", r.ThisRun)
	}
}

package deploy

import (
	"reflect"
	"strings"
	"testing"
)

// Every deployment.json deploy refuses, and why: the message names what is
// wrong (the caller adds the file and the fix).
func TestParseSettings(t *testing.T) {
	t.Parallel()
	good := `{"format":1,"name":"demo","backend":"local"}`
	if s, err := ParseSettings([]byte(good)); err != nil || s.Name != "demo" || s.Backend != "local" {
		t.Fatalf("ParseSettings(%s) = %+v, %v", good, s, err)
	}
	s3 := `{"format":1,"name":"team","backend":"s3","backend_config":"/home/me/s3.hcl","var_files":["/home/me/a.tfvars"]}`
	if s, err := ParseSettings([]byte(s3)); err != nil || s.BackendConfig != "/home/me/s3.hcl" || len(s.VarFiles) != 1 {
		t.Fatalf("ParseSettings(%s) = %+v, %v", s3, s, err)
	}
	const arn = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-3"
	existing := `{"format":1,"name":"orders","backend":"local","root":"examples/existing-cluster","cluster_arn":"` + arn + `"}`
	if s, err := ParseSettings([]byte(existing)); err != nil || s.RootModule() != RootExisting || s.ClusterARN != arn {
		t.Fatalf("ParseSettings(%s) = %+v, %v", existing, s, err)
	}
	if s, _ := ParseSettings([]byte(good)); s.RootModule() != RootComplete {
		t.Errorf("a deployment.json without root is examples/complete's, got %q", s.RootModule())
	}
	for _, tc := range []struct{ doc, want string }{
		{`{"format":1,"name":"demo","backend":"local","root":"examples/existing-cluster"}`, "needs the cluster_arn it fronts"},
		{`{"format":1,"name":"demo","backend":"local","root":"examples/existing-cluster","cluster_arn":"orders"}`, "needs the cluster_arn it fronts"},
		{`{"format":1,"name":"demo","backend":"local","cluster_arn":"` + arn + `"}`, "without root"},
		{`{"format":1,"name":"demo","backend":"local","root":"examples/other"}`, `root "examples/other" is neither`},
		{`{"format":99,"name":"demo","backend":"local"}`, "format 99 is newer than this deploy understands"},
		{`{"format":-1,"name":"demo","backend":"local"}`, "format -1 is unknown"},
		{`{"name":"demo","backend":"local"}`, `no "format"`},
		{`{"format":1,"name":"demo","backend":"s3"}`, `backend "s3" without backend_config`},
		{`{"format":1,"name":"demo","backend":"s3","backend_config":"relative.hcl"}`, "not a clean absolute path"},
		{`{"format":1,"name":"demo","backend":"local","backend_config":"/x.hcl"}`, "backend_config is for \"s3\""},
		{`{"format":1,"name":"demo","backend":"gcs"}`, `backend "gcs" is neither`},
		{`{"format":1,"name":"demo"}`, `no "backend"`},
		{`{"format":1,"backend":"local"}`, "name: empty"},
		{`{"format":1,"name":"a/b","backend":"local"}`, "not a directory name"},
		{`{"format":1,"name":"demo","backend":"local","var_files":["x.tfvars"]}`, "var_files"},
		{`{"format":1,"name":"demo","backend":"local","colour":"red"}`, `unknown field "colour"`},
		{`{"format":1,"name":"demo","backend":"local"} {}`, "more than one JSON value"},
		{`[]`, "not a deployment settings object"},
		{``, "not a deployment settings object"},
		{`{"format":"1","name":"demo","backend":"local"}`, "not a deployment settings object"},
	} {
		if _, err := ParseSettings([]byte(tc.doc)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSettings(%s) = %v, want an error saying %q", tc.doc, err, tc.want)
		}
	}
}

// FuzzParseSettings: whatever deployment.json holds, the parser returns
// settings that validate and survive a round trip through what deploy
// writes, or an error with a message — never a panic, never half-checked
// settings. Its seeds run with every `go test` (make test); `make fuzz`
// runs it longer.
func FuzzParseSettings(f *testing.F) {
	for _, seed := range []string{
		`{"format":1,"name":"demo","backend":"local"}`,
		`{"format":1,"name":"team","backend":"s3","backend_config":"/home/me/s3.hcl","var_files":["/a.tfvars","/b.tfvars.json"]}`,
		`{"format":99,"name":"demo","backend":"local"}`,
		`{"format":1,"name":"demo","backend":"s3"}`,
		`{"format":1,"name":"demo","backend":"local","var_files":null}`,
		`{"format":1,"name":"o","backend":"local","root":"examples/existing-cluster","cluster_arn":"arn:aws:kafka:us-east-1:123456789012:cluster/o/u-1"}`,
		`{"format":1,"name":"\u0000","backend":"local"}`,
		`{"format":1e0,"name":"d","backend":"local"}`,
		`{"format":1,"name":"demo","backend":"local","name":"other"}`,
		`{"format":1,"name":"demo","backend":"local"}` + "\n\n",
		`null`,
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSettings(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if verr := s.Validate(); verr != nil {
			t.Fatalf("accepted %q, which does not validate: %v", b, verr)
		}
		again, err := ParseSettings(s.Marshal())
		if err != nil {
			t.Fatalf("accepted %q but refuses what deploy writes for it (%s): %v", b, s.Marshal(), err)
		}
		if !reflect.DeepEqual(normal(again), normal(s)) {
			t.Fatalf("round trip of %q: %+v, then %+v", b, s, again)
		}
	})
}

// normal treats an empty and a missing var_files alike (omitempty).
func normal(s Settings) Settings {
	if len(s.VarFiles) == 0 {
		s.VarFiles = nil
	}
	return s
}

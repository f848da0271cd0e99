package deploy

import (
	"strings"
	"testing"
)

func TestRedactJSON(t *testing.T) {
	t.Parallel()
	// `terraform output -json` of a deployment with the Databricks side and
	// the canary: the credential's external ID, the canary's event (a JSON
	// string holding it), a sensitive output.
	doc := `{"databricks":{"sensitive":false,"type":"object","value":{"credential_name":"c","external_id":"f00d-5ecr3t-id","rules":[]}},` +
		`"verify_canary":{"sensitive":false,"value":{"event":"{\"external_id\":\"f00d-5ecr3t-id\",\"role_arn\":\"arn:aws:iam::1:role/r\"}","function_name":"f"}},` +
		`"token":{"sensitive":true,"type":"string","value":"hunter22"},` +
		`"external_id_is_placeholder":{"sensitive":false,"value":false},` +
		`"inputs":{"value":{"databricks_external_id":"0000","region":"us-east-1"}}}`
	out, err := RedactJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"f00d-5ecr3t-id", "hunter22"} {
		if strings.Contains(string(out), secret) {
			t.Errorf("redacted output still holds %q:\n%s", secret, out)
		}
	}
	if n := strings.Count(string(out), "redacted"); n != 3 {
		t.Errorf("%d redactions, want 3 (credential, event, sensitive output):\n%s", n, out)
	}
	for _, kept := range []string{`"credential_name":"c"`, `\"role_arn\":\"arn:aws:iam::1:role/r\"`, `"databricks_external_id":"0000"`, `"external_id_is_placeholder":{"sensitive":false,"value":false}`, `"region":"us-east-1"`} {
		if !strings.Contains(string(out), kept) {
			t.Errorf("redacted output lost %s:\n%s", kept, out)
		}
	}
	if _, err := RedactJSON([]byte("{")); err == nil {
		t.Error("RedactJSON of broken JSON: no error")
	}
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	var r Redactor
	r.Add("0000") // the placeholder is not a secret
	r.Add("ab")   // too short to replace in free text
	r.Add("f00d-5ecr3t-id")
	r.Add("f00d-5ecr3t-id-longer")
	got := r.String(`input = "f00d-5ecr3t-id-longer" -> "f00d-5ecr3t-id"; placeholder "0000"; tab`)
	if strings.Contains(got, "5ecr3t") || !strings.Contains(got, `"0000"`) || !strings.Contains(got, "tab") || strings.Count(got, Redacted) != 2 {
		t.Errorf("Redactor.String = %q", got)
	}
	var none *Redactor
	if none.String("x") != "x" {
		t.Error("a nil Redactor changed the text")
	}
}

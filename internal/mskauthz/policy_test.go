package mskauthz

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePolicyForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		doc  string
		// a probe that must be allowed, and one that must not
		allowA, allowR, denyA, denyR string
	}{
		{
			name:   "statement object, string action and resource",
			doc:    `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kafka-cluster:Connect","Resource":"arn:aws:kafka:us-east-1:1:cluster/a/b"}}`,
			allowA: "kafka-cluster:Connect", allowR: "arn:aws:kafka:us-east-1:1:cluster/a/b",
			denyA: "kafka-cluster:Connect", denyR: "arn:aws:kafka:us-east-1:1:cluster/a/c",
		},
		{
			name:   "statement array, arrays, Sid and Id, 2008 version",
			doc:    `{"Version":"2008-10-17","Id":"x","Statement":[{"Sid":"s1","Effect":"Allow","Action":["kafka-cluster:ReadData","kafka-cluster:WriteData"],"Resource":["arn:aws:kafka:*:*:topic/a/*"]}]}`,
			allowA: "kafka-cluster:WriteData", allowR: "arn:aws:kafka:eu-west-1:1:topic/a/b/t",
			denyA: "kafka-cluster:DescribeTopic", denyR: "arn:aws:kafka:eu-west-1:1:topic/a/b/t",
		},
		{
			name:   "no Version defaults like IAM",
			doc:    `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
			allowA: "kafka-cluster:AlterCluster", allowR: "arn:aws:kafka:r:1:cluster/a/b",
			denyA: "", denyR: "",
		},
		{
			name:   "actions are case-insensitive",
			doc:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"KAFKA-CLUSTER:readdata","Resource":"*"}]}`,
			allowA: "kafka-cluster:ReadData", allowR: "arn:aws:kafka:r:1:topic/a/b/t",
			denyA: "kafka-cluster:WriteData", denyR: "arn:aws:kafka:r:1:topic/a/b/t",
		},
		{
			name:   "resources are case-sensitive",
			doc:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:ReadData","Resource":"arn:aws:kafka:r:1:topic/a/b/Orders"}]}`,
			allowA: "kafka-cluster:ReadData", allowR: "arn:aws:kafka:r:1:topic/a/b/Orders",
			denyA: "kafka-cluster:ReadData", denyR: "arn:aws:kafka:r:1:topic/a/b/orders",
		},
		{
			name:   "? matches exactly one character",
			doc:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:*Data","Resource":"arn:aws:kafka:r:1:topic/a/b/t?"}]}`,
			allowA: "kafka-cluster:ReadData", allowR: "arn:aws:kafka:r:1:topic/a/b/t1",
			denyA: "kafka-cluster:ReadData", denyR: "arn:aws:kafka:r:1:topic/a/b/t12",
		},
		{
			name:   "wildcard in the middle of an action",
			doc:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:*Topic*","Resource":"*"}]}`,
			allowA: "kafka-cluster:DescribeTopicDynamicConfiguration", allowR: "arn:aws:kafka:r:1:topic/a/b/t",
			denyA: "kafka-cluster:ReadData", denyR: "arn:aws:kafka:r:1:topic/a/b/t",
		},
		{
			name:   "NotAction allows everything else",
			doc:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["kafka-cluster:Delete*","kafka-cluster:Alter*"],"Resource":"*"}]}`,
			allowA: "kafka-cluster:CreateTopic", allowR: "arn:aws:kafka:r:1:topic/a/b/t",
			denyA: "kafka-cluster:DeleteTopic", denyR: "arn:aws:kafka:r:1:topic/a/b/t",
		},
		{
			name:   "NotResource allows everything else",
			doc:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:ReadData","NotResource":"arn:aws:kafka:r:1:topic/a/b/secret*"}]}`,
			allowA: "kafka-cluster:ReadData", allowR: "arn:aws:kafka:r:1:topic/a/b/public",
			denyA: "kafka-cluster:ReadData", denyR: "arn:aws:kafka:r:1:topic/a/b/secret-1",
		},
		{
			name: "explicit Deny wins over Allow",
			doc: `{"Version":"2012-10-17","Statement":[
				{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*"},
				{"Effect":"Deny","Action":"kafka-cluster:WriteData","Resource":"arn:aws:kafka:r:1:topic/a/b/ro-*"}]}`,
			allowA: "kafka-cluster:WriteData", allowR: "arn:aws:kafka:r:1:topic/a/b/rw",
			denyA: "kafka-cluster:WriteData", denyR: "arn:aws:kafka:r:1:topic/a/b/ro-1",
		},
		{
			name:   "Deny with NotAction",
			doc:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","NotAction":"kafka-cluster:Describe*","Resource":"*"}]}`,
			allowA: "kafka-cluster:DescribeGroup", allowR: "arn:aws:kafka:r:1:group/a/b/g",
			denyA: "kafka-cluster:AlterGroup", denyR: "arn:aws:kafka:r:1:group/a/b/g",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePolicy([]byte(tc.doc))
			if err != nil {
				t.Fatalf("ParsePolicy: %v", err)
			}
			if d := p.Decide(tc.allowA, tc.allowR); d != Allow {
				t.Errorf("Decide(%s, %s) = %v, want Allow", tc.allowA, tc.allowR, d)
			}
			if tc.denyA != "" {
				if d := p.Decide(tc.denyA, tc.denyR); d == Allow {
					t.Errorf("Decide(%s, %s) = Allow, want a deny", tc.denyA, tc.denyR)
				}
			}
		})
	}
}

func TestDecideKinds(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t,
		stmt("Allow", acts("ReadData", "WriteData"), topicARN("*")),
		stmt("Deny", acts("WriteData"), topicARN("audit")),
	)
	for _, tc := range []struct {
		action, resource string
		want             Decision
	}{
		{ActReadData, topicARN("audit"), Allow},
		{ActWriteData, topicARN("audit"), ExplicitDeny},
		{ActWriteData, topicARN("orders"), Allow},
		{ActDeleteTopic, topicARN("orders"), ImplicitDeny},
		{ActReadData, groupARN("orders"), ImplicitDeny},
	} {
		if got := p.Decide(tc.action, tc.resource); got != tc.want {
			t.Errorf("Decide(%s, %s) = %v, want %v", tc.action, tc.resource, got, tc.want)
		}
	}
	var nilPolicy *Policy
	if nilPolicy.Decide(ActConnect, clusterARN) != ImplicitDeny {
		t.Error("a nil policy must deny")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	t.Parallel()
	allow := `"Effect":"Allow","Action":"kafka-cluster:Connect","Resource":"*"`
	for _, tc := range []struct {
		name, doc string
		want      []string // substrings of the error
	}{
		{"not JSON", `{`, []string{"not a JSON object"}},
		{"array document", `[]`, []string{"not a JSON object"}},
		{"trailing data", `{"Statement":{` + allow + `}} {}`, []string{"trailing data"}},
		{"bad version", `{"Version":"2020-01-01","Statement":{` + allow + `}}`, []string{`"Version"`, "2020-01-01"}},
		{"unknown top-level", `{"Version":"2012-10-17","Statment":[]}`, []string{`"Statment"`, "unknown top-level"}},
		{"no statement", `{"Version":"2012-10-17"}`, []string{`"Statement"`, "missing"}},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, []string{"empty"}},
		{"statement is a string", `{"Version":"2012-10-17","Statement":"x"}`, []string{"object or an array"}},
		{"Condition", `{"Version":"2012-10-17","Statement":[{` + allow + `},{"Sid":"ip",` + allow + `,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
			[]string{"statement 2", `Sid "ip"`, `"Condition"`, "not supported"}},
		{"Principal", `{"Version":"2012-10-17","Statement":{` + allow + `,"Principal":{"AWS":"*"}}}`, []string{"statement 1", `"Principal"`, "identity-based"}},
		{"NotPrincipal", `{"Version":"2012-10-17","Statement":{` + allow + `,"NotPrincipal":{"AWS":"*"}}}`, []string{`"NotPrincipal"`}},
		{"unknown statement element", `{"Version":"2012-10-17","Statement":{` + allow + `,"Effects":"Allow"}}`, []string{`"Effects"`, "unknown statement element"}},
		{"missing Effect", `{"Version":"2012-10-17","Statement":{"Action":"*","Resource":"*"}}`, []string{`"Effect"`}},
		{"lower-case effect", `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, []string{`"Effect"`, `"Allow" or "Deny"`}},
		{"Action and NotAction", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}`, []string{"not both"}},
		{"no Action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, []string{`"Action"`, "missing"}},
		{"no Resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}`, []string{`"Resource"`, "missing"}},
		{"action without service", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ReadData","Resource":"*"}}`, []string{`"ReadData"`, "service:action"}},
		{"resource not an ARN", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"topic/x"}}`, []string{"not an ARN"}},
		{"NotResource not an ARN", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","NotResource":"x"}}`, []string{`"NotResource"`, "not an ARN"}},
		{"policy variable", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:kafka:r:1:topic/a/b/${aws:username}"}}`, []string{"policy variables"}},
		{"number action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":1,"Resource":"*"}}`, []string{"string or an array"}},
		{"empty action array", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, []string{"empty array"}},
		// Duplicate keys: Go's decoder would keep the last one silently.
		{"duplicate Effect", `{"Version":"2012-10-17","Statement":[{` + allow + `},{"Sid":"two","Effect":"Deny",` + allow + `}]}`, []string{"policy statement 2", `"Effect"`, "named twice"}},
		{"duplicate Action in a statement object", `{"Version":"2012-10-17","Statement":{` + allow + `,"Action":"kafka-cluster:*"}}`, []string{"policy statement 1", `"Action"`, "named twice"}},
		{"duplicate Statement", `{"Version":"2012-10-17","Statement":{` + allow + `},"Statement":[]}`, []string{"policy document", `"Statement"`, "named twice"}},
		{"duplicate Version", `{"Version":"2012-10-17","Version":"2008-10-17","Statement":{` + allow + `}}`, []string{"policy document", `"Version"`, "named twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePolicy([]byte(tc.doc))
			if err == nil {
				t.Fatal("ParsePolicy accepted it")
			}
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Errorf("error %T is not a *PolicyError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"a*c", "abc", true},
		{"a*c", "ac", true},
		{"a*c", "acb", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*a*b*c*", "xxaxxbxxcxx", true},
		{"*a*b*c*", "xxaxxcxxbxx", false},
		{"topic/x/*", "topic/x/", true},
		{"", "", true},
		{"", "a", false},
		{"**", "ab", true},
	} {
		if got := glob(tc.p, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}

func TestDecidePrefix(t *testing.T) {
	t.Parallel()
	prefix := testCluster.TopicARN("")
	for _, tc := range []struct {
		name  string
		stmts []string
		want  Decision
	}{
		{"all topics", []string{stmt("Allow", acts("WriteData"), topicARN("*"))}, Allow},
		{"star resource", []string{stmt("Allow", acts("*"), "*")}, Allow},
		{"cluster wildcard", []string{stmt("Allow", acts("WriteData"), "arn:aws:kafka:us-east-1:123456789012:topic/demo/*")}, Allow},
		{"a prefix of topics", []string{stmt("Allow", acts("WriteData"), topicARN("app-*"))}, ImplicitDeny},
		{"one topic", []string{stmt("Allow", acts("WriteData"), topicARN("t1"))}, ImplicitDeny},
		{"another cluster's topics", []string{stmt("Allow", acts("WriteData"), "arn:aws:kafka:us-east-1:123456789012:topic/other/*")}, ImplicitDeny},
		{"all but a denied one", []string{stmt("Allow", acts("WriteData"), topicARN("*")), stmt("Deny", acts("WriteData"), topicARN("x"))}, ExplicitDeny},
		{"deny elsewhere does not matter", []string{stmt("Allow", acts("WriteData"), topicARN("*")), stmt("Deny", acts("WriteData"), groupARN("*"))}, Allow},
		{"NotResource allow excluding a group", []string{`{"Effect":"Allow","Action":"kafka-cluster:WriteData","NotResource":"` + groupARN("*") + `"}`}, Allow},
		{"NotResource allow excluding a topic", []string{`{"Effect":"Allow","Action":"kafka-cluster:WriteData","NotResource":"` + topicARN("x") + `"}`}, ImplicitDeny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := mustPolicy(t, tc.stmts...).DecidePrefix(ActWriteData, prefix); got != tc.want {
				t.Errorf("DecidePrefix = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestClusterARNs(t *testing.T) {
	t.Parallel()
	c := Cluster{Region: "eu-west-1", Account: "111122223333", Name: "msk", UUID: "u-1"}
	for got, want := range map[string]string{
		c.ARN():                    "arn:aws:kafka:eu-west-1:111122223333:cluster/msk/u-1",
		c.TopicARN("orders"):       "arn:aws:kafka:eu-west-1:111122223333:topic/msk/u-1/orders",
		c.GroupARN("g"):            "arn:aws:kafka:eu-west-1:111122223333:group/msk/u-1/g",
		c.TransactionalIDARN("tx"): "arn:aws:kafka:eu-west-1:111122223333:transactional-id/msk/u-1/tx",
		Cluster{Region: "cn-north-1", Account: "1", Name: "n", UUID: "u"}.ARN(): "arn:aws-cn:kafka:cn-north-1:1:cluster/n/u",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	back, err := ParseClusterARN(c.ARN())
	if err != nil || back != c {
		t.Errorf("ParseClusterARN(%s) = %+v, %v", c.ARN(), back, err)
	}
	for _, bad := range []string{"", "arn:aws:kafka:eu-west-1:1:topic/a/b/c", "arn:aws:s3:::bucket", "arn:aws:kafka:eu-west-1:1:cluster/a", "arn:aws-cn:kafka:eu-west-1:1:cluster/a/b"} {
		if _, err := ParseClusterARN(bad); err == nil {
			t.Errorf("ParseClusterARN(%q) accepted", bad)
		}
	}
}

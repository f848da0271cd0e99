package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/verify"
)

// TestPolicyIsExactlySufficient is the proof that the policy
// terraform/modules/msk-access-policy renders (internal/localmsk/
// default_policy.json, kept equal to the module's rendering by localmsk's
// drift test) is exactly what a Kafka 3.x client on Databricks needs: it
// passes, and removing any one action the role needs fails the run at the
// stage that needs it, naming the action. Run for both mechanisms.
// TestEveryGrantedActionIsNeeded checks that the table covers every action
// the module grants.
func TestPolicyIsExactlySufficient(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{verify.MechanismAWSMSKIAM, verify.MechanismOAuthBearer} {
		for _, tc := range policyCases {
			t.Run(mech+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				env, tg := startEnv(t)
				p := loadPolicy(t, env.Info())
				tc.edit(p)
				must(t, env.SetPolicy(p.bytes(t)))
				o := opts(3 * time.Second)
				o.Mechanisms = []string{mech}
				rep := verify.Run(context.Background(), tg, o)
				checkPolicyCase(t, tc, p, rep)
			})
		}
	}
}

const (
	connect   = "kafka-cluster:Connect"
	descClus  = "kafka-cluster:DescribeCluster"
	idem      = "kafka-cluster:WriteDataIdempotently"
	descTopic = "kafka-cluster:DescribeTopic"
	read      = "kafka-cluster:ReadData"
	write     = "kafka-cluster:WriteData"
	descGroup = "kafka-cluster:DescribeGroup"
	alterGrp  = "kafka-cluster:AlterGroup"
)

type policyCase struct {
	name  string
	edit  func(p *policy)
	stage string // "" = the run passes
	check string // a failing engine check instead of a path stage
	names string // the action the diagnosis must name: the case proves it is needed
}

var policyCases = []policyCase{
	// The module's rendering, without DescribeCluster: a producer, a group
	// consumer and Spark's Admin calls send no request that needs it (the
	// module's main.tf says why). Should the verifier start sending one,
	// this case fails; should the module grant it again,
	// TestEveryGrantedActionIsNeeded fails.
	{name: "module default policy", edit: func(*policy) {}},
	{name: "without Connect", edit: func(p *policy) { p.remove(connect) }, stage: verify.StageSASL, names: connect},
	{name: "without DescribeTopic", edit: func(p *policy) { p.remove(descTopic) }, check: verify.CheckTopic, names: descTopic},
	{name: "without WriteData", edit: func(p *policy) { p.remove(write) }, stage: verify.StageProduce, names: write},
	{name: "without ReadData", edit: func(p *policy) { p.remove(read) }, stage: verify.StageConsume, names: read},
	{name: "without DescribeGroup", edit: func(p *policy) { p.remove(descGroup) }, stage: verify.StageGroup, names: descGroup},
	{name: "without AlterGroup", edit: func(p *policy) { p.remove(alterGrp) }, stage: verify.StageGroup, names: alterGrp},
	// KIP-679: WriteData on every topic implies the idempotent write.
	{name: "without WriteDataIdempotently, WriteData on topic/.../*", edit: func(p *policy) { p.remove(idem) }},
	// With a topic_name_prefix (or named topics) it does not: needed.
	{name: "without WriteDataIdempotently, WriteData on named topics", edit: func(p *policy) {
		p.remove(idem)
		p.scope(write, verify.DefaultTopic)
	}, stage: verify.StageProduce, names: idem},
	{name: "WriteData on named topics, with WriteDataIdempotently", edit: func(p *policy) { p.scope(write, verify.DefaultTopic) }},
}

// TestEveryGrantedActionIsNeeded: least privilege. Every action the
// module's policy grants is shown needed by a failing case of
// TestPolicyIsExactlySufficient, and DescribeCluster, which no request of
// the client needs, is not granted.
func TestEveryGrantedActionIsNeeded(t *testing.T) {
	t.Parallel()
	var p policy
	if err := json.Unmarshal(localmsk.DefaultPolicy(localmsk.DefaultClusterARN), &p); err != nil {
		t.Fatal(err)
	}
	needed := map[string]bool{}
	for _, tc := range policyCases {
		if tc.names != "" {
			needed[tc.names] = true
		}
	}
	for _, s := range p.Statement {
		for _, a := range s.Action {
			if !needed[a] {
				t.Errorf("the module grants %s (statement %s) but no case shows a Kafka 3.x client needs it: drop it from terraform/modules/msk-access-policy (least privilege), or make the verifier send the request that needs it and add a failing case", a, s.Sid)
			}
		}
		if slices.Contains(s.Action, descClus) {
			t.Errorf("statement %s grants %s: no request of a producer, a group consumer or Spark's Admin client needs it (see the module's main.tf)", s.Sid, descClus)
		}
	}
	if len(needed) != 7 {
		t.Errorf("the table proves %d actions needed, want 7 (Connect, DescribeTopic, WriteData, ReadData, DescribeGroup, AlterGroup, WriteDataIdempotently)", len(needed))
	}
}

func checkPolicyCase(t *testing.T, tc policyCase, p *policy, rep *verify.Report) {
	t.Helper()
	var table bytes.Buffer
	_ = rep.WriteTable(&table)
	defer func() {
		if t.Failed() {
			t.Logf("policy: %s\nreport:\n%s", p.bytes(t), table.String())
		}
	}()
	if tc.stage == "" && tc.check == "" {
		if !rep.Passed {
			t.Fatal("want PASS")
		}
		return
	}
	if rep.Passed {
		t.Fatalf("want FAIL naming %s, got PASS", tc.names)
	}
	if tc.check != "" {
		found := false
		for _, c := range rep.Checks {
			found = found || (c.Check == tc.check && !c.OK && strings.Contains(c.Detail+c.NextStep, tc.names))
		}
		if !found {
			t.Errorf("no failing %s check naming %s", tc.check, tc.names)
		}
		return
	}
	for _, path := range rep.Paths {
		f, failed := path.Failed()
		if !failed || f.Check != tc.stage || !strings.Contains(f.Detail+" "+f.NextStep, tc.names) {
			t.Errorf("broker %d: failure %+v; want stage %s naming %s", path.BrokerID, f, tc.stage, tc.names)
		}
	}
}

// policy is an IAM policy document to edit.
type policy struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Sid      string   `json:"Sid,omitempty"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

func loadPolicy(t *testing.T, info localmsk.Info) *policy {
	t.Helper()
	var p policy
	if err := json.Unmarshal(localmsk.DefaultPolicy(info.ClusterARN), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// remove drops action from every statement.
func (p *policy) remove(action string) {
	for i := range p.Statement {
		p.Statement[i].Action = slices.DeleteFunc(p.Statement[i].Action, func(a string) bool { return a == action })
	}
	p.Statement = slices.DeleteFunc(p.Statement, func(s statement) bool { return len(s.Action) == 0 })
}

// scope moves action from the topic/.../* statement to its own statement
// on the named topics only.
func (p *policy) scope(action string, topics ...string) {
	var wildcard string
	for _, s := range p.Statement {
		if slices.Contains(s.Action, action) {
			wildcard = s.Resource[0]
		}
	}
	p.remove(action)
	base := strings.TrimSuffix(wildcard, "*")
	var res []string
	for _, tp := range topics {
		res = append(res, base+tp)
	}
	p.Statement = append(p.Statement, statement{Sid: "Scoped", Effect: "Allow", Action: []string{action}, Resource: res})
}

func (p *policy) bytes(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

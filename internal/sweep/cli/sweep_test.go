package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/mskvpce/mskvpce/internal/sweep"
)

// fakeAWS speaks just enough of each API's wire protocol for the sweeper:
// JSON 1.1 (tagging, logs), Query/XML (IAM, ELBv2, EC2), REST-JSON (Lambda,
// Kafka) and REST-XML (Route 53). It records every call in order.
type fakeAWS struct {
	mu      sync.Mutex
	calls   []string
	tagged  []taggedResource
	roles   []fakeRole
	configs []fakeConfig
	// onCall, when set, sees every call first (outside the lock).
	onCall func(call string)
	// enis counts how many more times a group's ENIs are still there.
	enis map[string]int
	// refs are the groups referencing a group; defaults are default groups.
	refs     map[string][]string
	defaults map[string]bool
	// vpcMembers are the groups and subnets a VPC waits for (a recorded,
	// successful delete frees one).
	vpcMembers map[string][]string
	// rules are EventBridge rules and their target IDs: DeleteRule is
	// refused while a rule has targets, as EventBridge refuses it.
	rules map[string][]string
	// keys are KMS key states (Enabled, PendingDeletion); a missing key
	// is Enabled.
	keys map[string]string
	// fail maps a call ("ec2:DeleteVpc vpc-1") to the error code to answer
	// with; a count > 0 fails only that many times.
	fail map[string]failure
	// sgRules are rules DescribeSecurityGroupRules finds by id; revoking
	// one drops it and the reference it makes (refs). revoked lists every
	// rule id revoked, as "<group> <rule id>".
	sgRules map[string]fakeSGRule
	revoked []string
}

type fakeSGRule struct {
	group  string
	egress bool
	refers string // the group the rule names as its source
}

type taggedResource struct {
	arn  string
	tags map[string]string
}

type fakeRole struct {
	name     string
	created  time.Time
	tags     map[string]string
	profiles []string
	inline   []string // nil: one policy named inline
	attached []string // nil: AWSLambdaVPCAccessExecutionRole
}

type fakeConfig struct {
	name    string
	created time.Time
}

type failure struct {
	code  string
	times int // 0 = always
}

func (f *fakeAWS) record(call string) (failure, bool) {
	if f.onCall != nil {
		f.onCall(call)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	fl, ok := f.fail[call]
	if !ok {
		return failure{}, false
	}
	if fl.times > 0 {
		fl.times--
		if fl.times == 0 {
			delete(f.fail, call)
		} else {
			f.fail[call] = fl
		}
	}
	return fl, true
}

func (f *fakeAWS) mutations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		op := strings.SplitN(c, " ", 2)[0]
		if !strings.Contains(op, ":List") && !strings.Contains(op, ":Describe") && !strings.Contains(op, ":Get") {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		f.jsonRPC(w, target, body)
		return
	}
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, _ := url.ParseQuery(string(body))
		f.query(w, form)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.rest(w, r)
}

func (f *fakeAWS) jsonRPC(w http.ResponseWriter, target string, body []byte) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch target {
	case "ResourceGroupsTaggingAPI_20170126.GetResources":
		f.record("tagging:GetResources")
		type tag struct{ Key, Value string }
		type mapping struct {
			ResourceARN string
			Tags        []tag
		}
		var list []mapping
		for _, t := range f.tagged {
			m := mapping{ResourceARN: t.arn}
			for k, v := range t.tags {
				m.Tags = append(m.Tags, tag{k, v})
			}
			list = append(list, m)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ResourceTagMappingList": list, "PaginationToken": ""})
	case "AWSEvents.ListTargetsByRule", "AWSEvents.RemoveTargets", "AWSEvents.DeleteRule":
		f.events(w, strings.TrimPrefix(target, "AWSEvents."), body)
	case "TrentService.DescribeKey", "TrentService.ScheduleKeyDeletion":
		f.kms(w, strings.TrimPrefix(target, "TrentService."), body)
	case "Logs_20140328.DeleteLogGroup":
		var in struct{ LogGroupName string }
		_ = json.Unmarshal(body, &in)
		if fl, ok := f.record("logs:DeleteLogGroup " + in.LogGroupName); ok {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":%q,"message":"injected"}`, fl.code)
			return
		}
		fmt.Fprint(w, `{}`)
	default:
		http.Error(w, "fakeAWS: unexpected target "+target, http.StatusNotImplemented)
	}
}

func (f *fakeAWS) query(w http.ResponseWriter, form url.Values) {
	action, version := form.Get("Action"), form.Get("Version")
	w.Header().Set("Content-Type", "text/xml")
	service := map[string]string{"2010-05-08": "iam", "2015-12-01": "elb", "2016-11-15": "ec2", "2010-03-31": "sns"}[version]
	id := firstNonEmpty(form.Get("TopicArn"), form.Get("RoleName"), form.Get("LoadBalancerArn"), form.Get("TargetGroupArn"),
		form.Get("VpcEndpointId.1"), form.Get("ServiceId.1"), form.Get("GroupId"), form.Get("SubnetId"), form.Get("VpcId"),
		form.Get("Filter.1.Value.1"))
	call := service + ":" + action
	if id != "" {
		call += " " + id
	}
	if pol := firstNonEmpty(form.Get("PolicyName"), form.Get("PolicyArn")); pol != "" {
		call += " " + pol
	}
	if fl, ok := f.record(call); ok {
		w.WriteHeader(http.StatusBadRequest)
		if service == "ec2" {
			fmt.Fprintf(w, `<Response><Errors><Error><Code>%s</Code><Message>injected</Message></Error></Errors><RequestID>r</RequestID></Response>`, fl.code)
		} else {
			fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>injected</Message></Error><RequestId>r</RequestId></ErrorResponse>`, fl.code)
		}
		return
	}
	role := f.role(form.Get("RoleName"))
	if service+":"+action == "ec2:DeleteVpc" {
		// EC2 refuses a VPC while its groups and subnets remain.
		f.mu.Lock()
		var left []string
		for _, m := range f.vpcMembers[id] {
			if !slices.Contains(f.calls, "ec2:DeleteSecurityGroup "+m) && !slices.Contains(f.calls, "ec2:DeleteSubnet "+m) {
				left = append(left, m)
			}
		}
		f.mu.Unlock()
		if len(left) > 0 {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<Response><Errors><Error><Code>DependencyViolation</Code><Message>The vpc '%s' has dependencies (%s) and cannot be deleted.</Message></Error></Errors><RequestID>r</RequestID></Response>`, id, strings.Join(left, ", "))
			return
		}
	}
	switch service + ":" + action {
	case "iam:ListRoleTags":
		var members strings.Builder
		for k, v := range role.tags {
			fmt.Fprintf(&members, `<member><Key>%s</Key><Value>%s</Value></member>`, k, v)
		}
		fmt.Fprintf(w, `<ListRoleTagsResponse><ListRoleTagsResult><IsTruncated>false</IsTruncated><Tags>%s</Tags></ListRoleTagsResult></ListRoleTagsResponse>`, members.String())
	case "iam:ListInstanceProfilesForRole":
		var members strings.Builder
		for _, p := range role.profiles {
			fmt.Fprintf(&members, `<member><Path>/</Path><InstanceProfileName>%[1]s</InstanceProfileName><InstanceProfileId>AIPA%[1]s</InstanceProfileId><Arn>arn:aws:iam::123456789012:instance-profile/%[1]s</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><Roles/></member>`, p)
		}
		fmt.Fprintf(w, `<ListInstanceProfilesForRoleResponse><ListInstanceProfilesForRoleResult><IsTruncated>false</IsTruncated><InstanceProfiles>%s</InstanceProfiles></ListInstanceProfilesForRoleResult></ListInstanceProfilesForRoleResponse>`, members.String())
	case "iam:ListRolePolicies":
		// One policy a page, as IAM may page at any size.
		names := role.inline
		if names == nil {
			names = []string{"inline"}
		}
		i, more := page(form.Get("Marker"), len(names))
		member := ""
		if len(names) > 0 {
			member = "<member>" + names[i] + "</member>"
		}
		fmt.Fprintf(w, `<ListRolePoliciesResponse><ListRolePoliciesResult>%s<PolicyNames>%s</PolicyNames></ListRolePoliciesResult></ListRolePoliciesResponse>`, more, member)
	case "iam:ListAttachedRolePolicies":
		arns := role.attached
		if arns == nil {
			arns = []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}
		}
		i, more := page(form.Get("Marker"), len(arns))
		member := ""
		if len(arns) > 0 {
			member = fmt.Sprintf(`<member><PolicyName>p%d</PolicyName><PolicyArn>%s</PolicyArn></member>`, i, arns[i])
		}
		fmt.Fprintf(w, `<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult>%s<AttachedPolicies>%s</AttachedPolicies></ListAttachedRolePoliciesResult></ListAttachedRolePoliciesResponse>`, more, member)
	case "ec2:DescribeNetworkInterfaces":
		f.mu.Lock()
		n := f.enis[id]
		if n > 0 {
			f.enis[id] = n - 1
		}
		f.mu.Unlock()
		item := ""
		if n > 0 {
			item = `<item><networkInterfaceId>eni-held</networkInterfaceId></item>`
		}
		fmt.Fprintf(w, `<DescribeNetworkInterfacesResponse><requestId>r</requestId><networkInterfaceSet>%s</networkInterfaceSet></DescribeNetworkInterfacesResponse>`, item)
	case "ec2:DescribeSecurityGroups":
		var items strings.Builder
		if form.Get("Filter.1.Name") == "group-id" {
			for i := 1; form.Get(fmt.Sprintf("Filter.1.Value.%d", i)) != ""; i++ {
				g := form.Get(fmt.Sprintf("Filter.1.Value.%d", i))
				name := g
				if f.defaults[g] {
					name = "default"
				}
				fmt.Fprintf(&items, `<item><groupId>%s</groupId><groupName>%s</groupName></item>`, g, name)
			}
		} else {
			f.mu.Lock()
			for _, g := range f.refs[id] {
				fmt.Fprintf(&items, `<item><groupId>%s</groupId><groupName>%s</groupName></item>`, g, g)
			}
			f.mu.Unlock()
		}
		fmt.Fprintf(w, `<DescribeSecurityGroupsResponse><requestId>r</requestId><securityGroupInfo>%s</securityGroupInfo></DescribeSecurityGroupsResponse>`, items.String())
	case "iam:ListRoles":
		var members strings.Builder
		for _, r := range f.roles {
			fmt.Fprintf(&members, `<member><Path>/</Path><RoleName>%s</RoleName><RoleId>AROA%s</RoleId><Arn>arn:aws:iam::123456789012:role/%s</Arn><CreateDate>%s</CreateDate></member>`,
				r.name, strings.ToUpper(r.name), r.name, r.created.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(w, `<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated><Roles>%s</Roles></ListRolesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListRolesResponse>`, members.String())
	case "ec2:DescribeSecurityGroupRules":
		if rid := form.Get("SecurityGroupRuleId.1"); rid != "" {
			f.mu.Lock()
			r, ok := f.sgRules[rid]
			f.mu.Unlock()
			if !ok {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `<Response><Errors><Error><Code>InvalidSecurityGroupRuleId.NotFound</Code><Message>The security group rule ID '%s' does not exist</Message></Error></Errors><RequestID>r</RequestID></Response>`, rid)
				return
			}
			fmt.Fprintf(w, `<DescribeSecurityGroupRulesResponse><requestId>r</requestId><securityGroupRuleSet><item><securityGroupRuleId>%s</securityGroupRuleId><groupId>%s</groupId><isEgress>%t</isEgress></item></securityGroupRuleSet></DescribeSecurityGroupRulesResponse>`, rid, r.group, r.egress)
			return
		}
		// Two pages: the ingress rule, then the egress rule.
		if form.Get("NextToken") == "" {
			fmt.Fprintf(w, `<DescribeSecurityGroupRulesResponse><requestId>r</requestId><nextToken>p2</nextToken><securityGroupRuleSet><item><securityGroupRuleId>sgr-in</securityGroupRuleId><groupId>%[1]s</groupId><isEgress>false</isEgress></item></securityGroupRuleSet></DescribeSecurityGroupRulesResponse>`, id)
			return
		}
		fmt.Fprintf(w, `<DescribeSecurityGroupRulesResponse><requestId>r</requestId><securityGroupRuleSet><item><securityGroupRuleId>sgr-out</securityGroupRuleId><groupId>%[1]s</groupId><isEgress>true</isEgress></item></securityGroupRuleSet></DescribeSecurityGroupRulesResponse>`, id)
	case "ec2:DeleteVpcEndpoints", "ec2:DeleteVpcEndpointServiceConfigurations":
		fmt.Fprintf(w, `<%sResponse><requestId>r</requestId><unsuccessful/></%[1]sResponse>`, action)
	case "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress":
		f.mu.Lock()
		for i := 1; form.Get(fmt.Sprintf("SecurityGroupRuleId.%d", i)) != ""; i++ {
			rid := form.Get(fmt.Sprintf("SecurityGroupRuleId.%d", i))
			f.revoked = append(f.revoked, id+" "+rid)
			if r, ok := f.sgRules[rid]; ok && r.group == id {
				delete(f.sgRules, rid)
				f.refs[r.refers] = slices.DeleteFunc(f.refs[r.refers], func(g string) bool { return g == r.group })
			}
		}
		f.mu.Unlock()
		fmt.Fprintf(w, `<%sResponse><requestId>r</requestId><return>true</return></%[1]sResponse>`, action)
	case "ec2:DeleteSecurityGroup", "ec2:DeleteSubnet", "ec2:DeleteVpc":
		fmt.Fprintf(w, `<%sResponse><requestId>r</requestId><return>true</return></%[1]sResponse>`, action)
	default: // IAM and ELBv2 deletes answer with an empty result
		fmt.Fprintf(w, `<%sResponse><%[1]sResult/><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></%[1]sResponse>`, action)
	}
}

func (f *fakeAWS) rest(w http.ResponseWriter, r *http.Request) {
	path, _ := url.PathUnescape(r.URL.EscapedPath())
	switch {
	case r.Method == http.MethodDelete && strings.HasPrefix(path, "/2015-03-31/functions/"):
		name := strings.TrimPrefix(path, "/2015-03-31/functions/")
		if fl, ok := f.record("lambda:DeleteFunction " + name); ok {
			w.Header().Set("X-Amzn-Errortype", fl.code)
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"message":"injected","Type":"User"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && strings.HasPrefix(path, "/v1/clusters/"):
		arn := strings.TrimPrefix(path, "/v1/clusters/")
		if fl, ok := f.record("kafka:DeleteCluster " + arn); ok {
			w.Header().Set("X-Amzn-Errortype", fl.code)
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"message":"You can't delete cluster in DELETING state."}`)
			return
		}
		fmt.Fprintf(w, `{"clusterArn":%q,"state":"DELETING"}`, arn)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "/api/v2/clusters/"):
		f.record("kafka:DescribeClusterV2 " + strings.TrimPrefix(path, "/api/v2/clusters/"))
		w.Header().Set("X-Amzn-Errortype", "NotFoundException")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"message":"cluster not found"}`)
	case r.Method == http.MethodGet && path == "/v1/configurations":
		f.record("kafka:ListConfigurations")
		var list []map[string]any
		for _, c := range f.configs {
			list = append(list, map[string]any{
				"arn": "arn:aws:kafka:us-east-1:123456789012:configuration/" + c.name + "/uuid-c", "name": c.name,
				"creationTime": c.created.UTC().Format(time.RFC3339), "kafkaVersions": []string{"3.8.x"}, "state": "ACTIVE",
			})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"configurations": list})
	case r.Method == http.MethodDelete && strings.HasPrefix(path, "/v1/configurations/"):
		arn := strings.TrimPrefix(path, "/v1/configurations/")
		if fl, ok := f.record("kafka:DeleteConfiguration " + arn); ok {
			w.Header().Set("X-Amzn-Errortype", fl.code)
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"message":"Configuration is in use by one or more clusters."}`)
			return
		}
		fmt.Fprintf(w, `{"arn":%q,"state":"DELETING"}`, arn)
	case r.Method == http.MethodPost && path == "/service/GraniteServiceVersion20100801/operation/DeleteAlarms":
		f.deleteAlarms(w, r)
	case strings.HasPrefix(path, "/2013-04-01/hostedzone/"):
		rest := strings.TrimPrefix(path, "/2013-04-01/hostedzone/")
		zone, sub, _ := strings.Cut(rest, "/")
		w.Header().Set("Content-Type", "text/xml")
		change := `<ChangeInfo><Id>/change/C1</Id><Status>PENDING</Status><SubmittedAt>2026-11-25T00:00:00Z</SubmittedAt></ChangeInfo>`
		switch {
		case r.Method == http.MethodGet && sub == "rrset":
			f.record("route53:ListResourceRecordSets " + zone)
			fmt.Fprint(w, `<ListResourceRecordSetsResponse><ResourceRecordSets>`+
				`<ResourceRecordSet><Name>c.example.</Name><Type>SOA</Type><TTL>900</TTL><ResourceRecords><ResourceRecord><Value>ns. h. 1 7200 900 1209600 86400</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>`+
				`<ResourceRecordSet><Name>b-1.c.example.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z1</HostedZoneId><DNSName>vpce-1.example.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>`+
				`</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>300</MaxItems></ListResourceRecordSetsResponse>`)
		case r.Method == http.MethodPost && sub == "rrset":
			f.record("route53:ChangeResourceRecordSets " + zone)
			fmt.Fprint(w, `<ChangeResourceRecordSetsResponse>`+change+`</ChangeResourceRecordSetsResponse>`)
		case r.Method == http.MethodDelete && sub == "":
			f.record("route53:DeleteHostedZone " + zone)
			// Route 53 refuses a zone that still has records besides its SOA and NS.
			f.mu.Lock()
			emptied := slices.Contains(f.calls, "route53:ChangeResourceRecordSets "+zone)
			f.mu.Unlock()
			if !emptied {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>HostedZoneNotEmpty</Code><Message>The specified hosted zone contains non-required resource record sets and so cannot be deleted.</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
				return
			}
			fmt.Fprint(w, `<DeleteHostedZoneResponse>`+change+`</DeleteHostedZoneResponse>`)
		default:
			http.Error(w, "fakeAWS: unexpected route53 call", http.StatusNotImplemented)
		}
	default:
		http.Error(w, "fakeAWS: unexpected "+r.Method+" "+path, http.StatusNotImplemented)
	}
}

// events serves EventBridge's rule calls (JSON 1.1); rules are on the default bus.
func (f *fakeAWS) events(w http.ResponseWriter, op string, body []byte) {
	var in struct {
		Rule, Name string
		Ids        []string
	}
	_ = json.Unmarshal(body, &in)
	name := firstNonEmpty(in.Rule, in.Name)
	if fl, ok := f.record("events:" + op + " " + name); ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":%q,"message":"injected"}`, fl.code)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	targets, ok := f.rules[name]
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":"ResourceNotFoundException","message":"Rule %s does not exist on EventBus default."}`, name)
		return
	}
	switch op {
	case "ListTargetsByRule":
		var list []map[string]string
		for _, id := range targets {
			list = append(list, map[string]string{"Id": id, "Arn": "arn:aws:lambda:us-east-1:123456789012:function:" + name})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Targets": list})
	case "RemoveTargets":
		f.rules[name] = slices.DeleteFunc(targets, func(id string) bool { return slices.Contains(in.Ids, id) })
		fmt.Fprint(w, `{"FailedEntryCount":0,"FailedEntries":[]}`)
	case "DeleteRule":
		if len(targets) > 0 {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"ValidationException","message":"Rule can't be deleted since it has targets."}`)
			return
		}
		delete(f.rules, name)
		fmt.Fprint(w, `{}`)
	}
}

// kms serves DescribeKey and ScheduleKeyDeletion (JSON 1.1): a key is never
// deleted at once, only scheduled, and stays describable meanwhile.
func (f *fakeAWS) kms(w http.ResponseWriter, op string, body []byte) {
	var in struct {
		KeyID               string `json:"KeyId"`
		PendingWindowInDays int
	}
	_ = json.Unmarshal(body, &in)
	call := "kms:" + op + " " + in.KeyID
	if op == "ScheduleKeyDeletion" {
		call += fmt.Sprintf(" %dd", in.PendingWindowInDays)
	}
	if fl, ok := f.record(call); ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":%q,"message":"injected"}`, fl.code)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	state := f.keys[in.KeyID]
	if state == "" {
		state = "Enabled"
	}
	deletion := now.Add(7 * 24 * time.Hour).Unix()
	switch op {
	case "DescribeKey":
		fmt.Fprintf(w, `{"KeyMetadata":{"KeyId":%q,"Arn":"arn:aws:kms:us-east-1:123456789012:key/%[1]s","KeyState":%q,"KeyManager":"CUSTOMER","DeletionDate":%d}}`, in.KeyID, state, deletion)
	case "ScheduleKeyDeletion":
		if state == "PendingDeletion" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"KMSInvalidStateException","message":"arn:aws:kms:us-east-1:123456789012:key/%s is pending deletion."}`, in.KeyID)
			return
		}
		if in.PendingWindowInDays < 7 || in.PendingWindowInDays > 30 {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"ValidationException","message":"1 validation error detected: Value at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30"}`)
			return
		}
		f.keys[in.KeyID] = "PendingDeletion"
		fmt.Fprintf(w, `{"KeyId":%q,"KeyState":"PendingDeletion","DeletionDate":%d,"PendingWindowInDays":%d}`, in.KeyID, deletion, in.PendingWindowInDays)
	}
}

// deleteAlarms serves CloudWatch's DeleteAlarms over RPC v2 CBOR, the
// protocol the SDK's CloudWatch client speaks.
func (f *fakeAWS) deleteAlarms(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var names []string
	if v, err := cbor.Decode(body); err == nil {
		if m, ok := v.(cbor.Map); ok {
			if l, ok := m["AlarmNames"].(cbor.List); ok {
				for _, n := range l {
					if s, ok := n.(cbor.String); ok {
						names = append(names, string(s))
					}
				}
			}
		}
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	if fl, ok := f.record("cloudwatch:DeleteAlarms " + strings.Join(names, ",")); ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(fl.code), "message": cbor.String("injected")}))
		return
	}
	_, _ = w.Write(cbor.Encode(cbor.Map{}))
}

func (f *fakeAWS) role(name string) fakeRole {
	for _, r := range f.roles {
		if r.name == name {
			return r
		}
	}
	return fakeRole{name: name}
}

// page reads an IAM Marker (the item index) and returns the index and the
// IsTruncated/Marker elements for a page of one.
func page(marker string, n int) (int, string) {
	i := 0
	fmt.Sscan(marker, &i)
	if i+1 < n {
		return i, fmt.Sprintf("<IsTruncated>true</IsTruncated><Marker>%d</Marker>", i+1)
	}
	return i, "<IsTruncated>false</IsTruncated>"
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

var now = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// leftovers is an e2e run killed five hours ago, a run in progress, and a
// production stack that must never be touched.
func leftovers() *fakeAWS {
	old := map[string]string{sweep.TagPrefix: "e2e-old1", sweep.TagCreatedAt: now.Add(-5 * time.Hour).Format(time.RFC3339)}
	young := map[string]string{sweep.TagPrefix: "e2e-new1", sweep.TagCreatedAt: now.Add(-10 * time.Minute).Format(time.RFC3339)}
	prod := map[string]string{sweep.TagPrefix: "prod-x", sweep.TagCreatedAt: now.Add(-500 * time.Hour).Format(time.RFC3339)}
	undated := map[string]string{sweep.TagPrefix: "e2e-old1"}
	a := "arn:aws:%s:us-east-1:123456789012:%s"
	return &fakeAWS{
		fail: map[string]failure{},
		tagged: []taggedResource{
			// deliberately out of deletion order
			{fmt.Sprintf(a, "ec2", "vpc/vpc-old"), old},
			{fmt.Sprintf(a, "ec2", "subnet/subnet-old"), old},
			{fmt.Sprintf(a, "ec2", "security-group/sg-nlb"), old},
			{fmt.Sprintf(a, "ec2", "security-group/sg-broker"), old},
			{fmt.Sprintf(a, "kafka", "cluster/e2e-old1/uuid-1"), old},
			{fmt.Sprintf(a, "elasticloadbalancing", "targetgroup/e2e-old1-b1/abc"), old},
			{fmt.Sprintf(a, "elasticloadbalancing", "loadbalancer/net/e2e-old1-b1/def"), old},
			{fmt.Sprintf(a, "ec2", "vpc-endpoint-service/vpce-svc-old"), old},
			{fmt.Sprintf(a, "ec2", "vpc-endpoint/vpce-old"), old},
			{fmt.Sprintf(a, "lambda", "function:e2e-old1-verify"), old},
			{fmt.Sprintf(a, "logs", "log-group:/aws/lambda/e2e-old1-verify"), old},
			{"arn:aws:route53:::hostedzone/ZOLD", old},
			{fmt.Sprintf(a, "ec2", "vpc/vpc-new"), young},
			{fmt.Sprintf(a, "kafka", "cluster/prod-x/uuid-9"), prod},
			{fmt.Sprintf(a, "ec2", "subnet/subnet-undated"), undated},
			{fmt.Sprintf(a, "ec2", "route-table/rtb-old"), old},
		},
		roles: []fakeRole{
			{name: "e2e-old1-runner", created: now.Add(-5 * time.Hour), tags: old},
			{name: "e2e-new1-runner", created: now.Add(-5 * time.Minute), tags: young},
			{name: "prod-x-databricks-msk", created: now.Add(-500 * time.Hour), tags: prod},
			// A CI role that merely has an e2e- name: no tags, never touched.
			{name: "e2e-platform-ci-deployer", created: now.Add(-900 * time.Hour)},
		},
		// Untaggable: found by the name the module gives it.
		configs: []fakeConfig{
			{"e2e-old1-kafka-3-8-x", now.Add(-5 * time.Hour)},
			{"e2e-old12-kafka-3-8-x", now.Add(-1 * time.Minute)},
			{"prod-x-kafka-3-8-x", now.Add(-500 * time.Hour)},
			{"e2e-handmade", now.Add(-500 * time.Hour)},
		},
		rules:      map[string][]string{},
		keys:       map[string]string{},
		enis:       map[string]int{},
		refs:       map[string][]string{},
		defaults:   map[string]bool{},
		vpcMembers: map[string][]string{"vpc-old": {"sg-nlb", "sg-broker", "subnet-old"}},
	}
}

// The in-process tests poll every millisecond (the binary keeps its 1s
// floor: TestBadInputsRefused).
func init() { minPoll = time.Millisecond }

func runSweep(t *testing.T, f *fakeAWS, args ...string) (int, string, string) {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	nowFn = func() time.Time { return now }
	t.Cleanup(func() { nowFn = time.Now })
	var stdout, stderr bytes.Buffer
	// Fast polls and a short budget; a test's own flags come later and win.
	code := Run(context.Background(), &stdout, &stderr, append([]string{"--aws-endpoint-url", srv.URL, "--poll", "1ms", "--budget", "200ms"}, args...))
	return code, stdout.String(), stderr.String()
}

func TestDryRunDeletesNothing(t *testing.T) {
	f := leftovers()
	code, out, errOut := runSweep(t, f, "--older-than", "4h")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
	if m := f.mutations(); len(m) != 0 {
		t.Fatalf("dry run made changes: %v", m)
	}
	lines := strings.Split(out, "\n")
	for _, want := range [][]string{
		{"delete", "msk-cluster", "cluster/e2e-old1/uuid-1"},
		{"delete", "iam-role", "e2e-old1-runner"},
		{"keep", "vpc-new", "younger than 4h0m0s"},
		{"keep", "e2e-new1-runner", "younger than 4h0m0s"},
		{"keep", "subnet-undated", "no E2ECreatedAt tag: age unknown"},
		{"keep", "rtb-old", "no deleter for this resource type"},
		{"keep", "e2e-old12-kafka-3-8-x", "younger than 4h0m0s"},
		{"dry run: 14 to delete, 5 kept"},
	} {
		if !slices.ContainsFunc(lines, func(l string) bool {
			for _, w := range want {
				if !strings.Contains(l, w) {
					return false
				}
			}
			return true
		}) {
			t.Errorf("plan has no line with %q:\n%s", want, out)
		}
	}
	for _, foreign := range []string{"prod-x", "e2e-platform-ci-deployer", "e2e-handmade"} {
		if strings.Contains(out, foreign) {
			t.Errorf("plan mentions %s, which carries no e2e tags / stack name:\n%s", foreign, out)
		}
	}
}

func TestSweepDeletesInDependencyOrder(t *testing.T) {
	f := leftovers()
	code, out, errOut := runSweep(t, f, "--yes", "--wait-clusters", "1m")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	want := []string{
		"lambda:DeleteFunction e2e-old1-verify",
		"ec2:DeleteVpcEndpoints vpce-old",
		"ec2:DeleteVpcEndpointServiceConfigurations vpce-svc-old",
		"elb:DeleteLoadBalancer arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/e2e-old1-b1/def",
		"elb:DeleteTargetGroup arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/e2e-old1-b1/abc",
		"kafka:DeleteCluster arn:aws:kafka:us-east-1:123456789012:cluster/e2e-old1/uuid-1",
		"kafka:DeleteConfiguration arn:aws:kafka:us-east-1:123456789012:configuration/e2e-old1-kafka-3-8-x/uuid-c",
		"logs:DeleteLogGroup /aws/lambda/e2e-old1-verify",
		"route53:ChangeResourceRecordSets ZOLD",
		"route53:DeleteHostedZone ZOLD",
		"iam:DeleteRolePolicy e2e-old1-runner inline",
		"iam:DetachRolePolicy e2e-old1-runner arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
		"iam:DeleteRole e2e-old1-runner",
		"ec2:RevokeSecurityGroupIngress sg-nlb",
		"ec2:RevokeSecurityGroupEgress sg-nlb",
		"ec2:DeleteSecurityGroup sg-nlb",
		"ec2:RevokeSecurityGroupIngress sg-broker",
		"ec2:RevokeSecurityGroupEgress sg-broker",
		"ec2:DeleteSecurityGroup sg-broker",
		"ec2:DeleteSubnet subnet-old",
		"ec2:DeleteVpc vpc-old",
	}
	if got := f.mutations(); !slices.Equal(got, want) {
		t.Errorf("deletes:\n got  %q\n want %q", got, want)
	}
	if !slices.Contains(f.calls, "kafka:DescribeClusterV2 arn:aws:kafka:us-east-1:123456789012:cluster/e2e-old1/uuid-1") {
		t.Errorf("did not wait for the deleted cluster before deleting its network: %v", f.calls)
	}
}

func TestSweepDefersDependenciesAndReportsFailures(t *testing.T) {
	f := leftovers()
	// The broker group is still referenced on the first try; the VPC still
	// holds a deleting cluster's ENIs; the Lambda delete is not permitted.
	f.fail["ec2:DeleteSecurityGroup sg-nlb"] = failure{code: "DependencyViolation", times: 1}
	f.fail["ec2:DeleteVpc vpc-old"] = failure{code: "DependencyViolation"}
	f.fail["lambda:DeleteFunction e2e-old1-verify"] = failure{code: "AccessDeniedException"}
	code, out, errOut := runSweep(t, f, "--yes", "--output", "json", "--wait-clusters", "0s")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the Lambda delete failed)\nstderr: %s", code, errOut)
	}
	var res struct {
		Outcomes []sweep.Outcome `json:"outcomes"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	status := map[string]string{}
	for _, oc := range res.Outcomes {
		status[oc.ID] = oc.Status
	}
	for id, want := range map[string]string{
		"e2e-old1-verify": "failed",
		"sg-nlb":          "deleted", // retried after sg-broker was gone
		"vpc-old":         "deferred",
		"subnet-old":      "deleted",
		"ZOLD":            "deleted",
	} {
		if status[id] != want {
			t.Errorf("%s: status %q, want %q", id, status[id], want)
		}
	}
}

func TestRefusesWhatCouldTouchOtherStacks(t *testing.T) {
	for _, args := range [][]string{
		{"--prefix", "prod-"},
		{"--prefix", ""},
		{"--older-than", "10m"},
		{"--older-than", "0", "--prefix", "e2e-"},
		{"--prefix", "e2e-Old1"},
		{"--prefix", "e2e-old1-"},
		{"--older-than", "-1h", "--prefix", "e2e-old1"},
		{"e2e-zzzz"},
		{"--output", "yaml"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			f := leftovers()
			code, _, errOut := runSweep(t, f, append(args, "--yes")...)
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr: %s", code, errOut)
			}
			if len(f.calls) != 0 {
				t.Fatalf("made AWS calls: %v", f.calls)
			}
			if !strings.Contains(errOut, strings.TrimLeft(args[0], "-")) {
				t.Errorf("error does not name the flag %s: %s", args[0], errOut)
			}
		})
	}
}

// A run's own prefix: no age limit, and the whole run id only (e2e-old
// must not take e2e-old1).
func TestRunPrefixIsWholeAndAgeless(t *testing.T) {
	f := leftovers()
	young := map[string]string{sweep.TagPrefix: "e2e-old", sweep.TagCreatedAt: now.Add(-time.Minute).Format(time.RFC3339)}
	f.tagged = append(f.tagged, taggedResource{"arn:aws:ec2:us-east-1:123456789012:subnet/subnet-mine", young})
	code, out, errOut := runSweep(t, f, "--prefix", "e2e-old", "--older-than", "0")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
	if !strings.Contains(out, "subnet-mine") || !strings.Contains(out, "dry run: 1 to delete, 0 kept") {
		t.Errorf("want only this run's subnet, a minute old:\n%s", out)
	}
	if strings.Contains(out, "e2e-old1") || strings.Contains(out, "vpc-old") {
		t.Errorf("e2e-old took another run's resources:\n%s", out)
	}
}

func TestCommandLineConventions(t *testing.T) {
	// --help on stdout; --output table is the old name for text; --endpoint
	// (a broker's NLB in verify and deploy) is not an AWS API URL here.
	code, out, errOut := runSweep(t, leftovers(), "--help")
	if code != 0 || !strings.Contains(out, "e2e-cleanup removes") || !strings.Contains(out, "-aws-endpoint-url") || errOut != "" {
		t.Fatalf("--help: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, table, errOut := runSweep(t, leftovers(), "--output", "table")
	_, text, _ := runSweep(t, leftovers(), "--output", "text")
	if code != 0 || table != text || !strings.Contains(text, "dry run:") {
		t.Fatalf("--output table: exit %d, stderr %s\n%s\nwant the text output:\n%s", code, errOut, table, text)
	}
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), &stdout, &stderr, []string{"--endpoint", "http://127.0.0.1:1"}); code != 2 || !strings.Contains(stderr.String(), "endpoint") {
		t.Fatalf("--endpoint: exit %d, stderr %q", code, stderr.String())
	}
}

// TestSweepCoversEveryKindTheNightlyCreates seeds one resource of each kind
// the nightly can leave (the example with its verify canary on) that is
// this run's, and one that is not (another stack's E2EPrefix, or an e2e-
// name without the tags); the dry run lists exactly ours, the sweep removes
// exactly ours and never calls anything on theirs.
func TestSweepCoversEveryKindTheNightlyCreates(t *testing.T) {
	ours := map[string]string{sweep.TagPrefix: "e2e-old1", sweep.TagCreatedAt: now.Add(-5 * time.Hour).Format(time.RFC3339)}
	theirs := map[string]string{sweep.TagPrefix: "prod-x", sweep.TagCreatedAt: now.Add(-500 * time.Hour).Format(time.RFC3339)}
	nameOnly := map[string]string{"Name": "e2e-old1-lookalike"}
	a := "arn:aws:%s:us-east-1:123456789012:%s"
	for _, tc := range []struct {
		kind, id, arn string
		foreign       string // theirs: an ARN whose id must never be called
		calls         []string
	}{
		{"eventbridge-rule", "e2e-old1-verify-canary", fmt.Sprintf(a, "events", "rule/e2e-old1-verify-canary"), fmt.Sprintf(a, "events", "rule/prod-x-verify-canary"),
			[]string{"events:RemoveTargets e2e-old1-verify-canary", "events:DeleteRule e2e-old1-verify-canary"}},
		{"lambda-function", "e2e-old1-verify-canary", fmt.Sprintf(a, "lambda", "function:e2e-old1-verify-canary"), fmt.Sprintf(a, "lambda", "function:prod-x-verify-canary"),
			[]string{"lambda:DeleteFunction e2e-old1-verify-canary"}},
		{"vpc-endpoint", "vpce-ours", fmt.Sprintf(a, "ec2", "vpc-endpoint/vpce-ours"), fmt.Sprintf(a, "ec2", "vpc-endpoint/vpce-theirs"),
			[]string{"ec2:DeleteVpcEndpoints vpce-ours"}},
		{"vpc-endpoint-service", "vpce-svc-ours", fmt.Sprintf(a, "ec2", "vpc-endpoint-service/vpce-svc-ours"), fmt.Sprintf(a, "ec2", "vpc-endpoint-service/vpce-svc-theirs"),
			[]string{"ec2:DeleteVpcEndpointServiceConfigurations vpce-svc-ours"}},
		{"load-balancer", "net/e2e-old1-b1/def", fmt.Sprintf(a, "elasticloadbalancing", "loadbalancer/net/e2e-old1-b1/def"), fmt.Sprintf(a, "elasticloadbalancing", "loadbalancer/net/prod-x-b1/fed"),
			[]string{"elb:DeleteLoadBalancer " + fmt.Sprintf(a, "elasticloadbalancing", "loadbalancer/net/e2e-old1-b1/def")}},
		{"target-group", "e2e-old1-b1/abc", fmt.Sprintf(a, "elasticloadbalancing", "targetgroup/e2e-old1-b1/abc"), fmt.Sprintf(a, "elasticloadbalancing", "targetgroup/prod-x-b1/cba"),
			[]string{"elb:DeleteTargetGroup " + fmt.Sprintf(a, "elasticloadbalancing", "targetgroup/e2e-old1-b1/abc")}},
		{"msk-cluster", "cluster/e2e-old1/uuid-1", fmt.Sprintf(a, "kafka", "cluster/e2e-old1/uuid-1"), fmt.Sprintf(a, "kafka", "cluster/prod-x/uuid-9"),
			[]string{"kafka:DeleteCluster " + fmt.Sprintf(a, "kafka", "cluster/e2e-old1/uuid-1")}},
		{"log-group", "/aws/lambda/e2e-old1-verify-canary", fmt.Sprintf(a, "logs", "log-group:/aws/lambda/e2e-old1-verify-canary"), fmt.Sprintf(a, "logs", "log-group:/aws/lambda/prod-x-verify-canary"),
			[]string{"logs:DeleteLogGroup /aws/lambda/e2e-old1-verify-canary"}},
		{"cloudwatch-alarm", "e2e-old1-verify-canary-broker-1", fmt.Sprintf(a, "cloudwatch", "alarm:e2e-old1-verify-canary-broker-1"), fmt.Sprintf(a, "cloudwatch", "alarm:prod-x-verify-canary-broker-1"),
			[]string{"cloudwatch:DeleteAlarms e2e-old1-verify-canary-broker-1"}},
		// A topic with subscriptions deletes fine; they go with it.
		{"sns-topic", "e2e-old1-verify-canary-alarms", fmt.Sprintf(a, "sns", "e2e-old1-verify-canary-alarms"), fmt.Sprintf(a, "sns", "prod-x-verify-canary-alarms"),
			[]string{"sns:DeleteTopic " + fmt.Sprintf(a, "sns", "e2e-old1-verify-canary-alarms")}},
		// Scheduled, never deleted: KMS's minimum waiting period.
		{"kms-key", "key-ours", fmt.Sprintf(a, "kms", "key/key-ours"), fmt.Sprintf(a, "kms", "key/key-theirs"),
			[]string{"kms:ScheduleKeyDeletion key-ours 7d"}},
		// Its records first: Route 53 refuses a zone that still has them.
		{"hosted-zone", "ZOURS", "arn:aws:route53:::hostedzone/ZOURS", "arn:aws:route53:::hostedzone/ZTHEIRS",
			[]string{"route53:ChangeResourceRecordSets ZOURS", "route53:DeleteHostedZone ZOURS"}},
		{"security-group", "sg-ours", fmt.Sprintf(a, "ec2", "security-group/sg-ours"), fmt.Sprintf(a, "ec2", "security-group/sg-theirs"),
			[]string{"ec2:RevokeSecurityGroupIngress sg-ours", "ec2:RevokeSecurityGroupEgress sg-ours", "ec2:DeleteSecurityGroup sg-ours"}},
		{"subnet", "subnet-ours", fmt.Sprintf(a, "ec2", "subnet/subnet-ours"), fmt.Sprintf(a, "ec2", "subnet/subnet-theirs"),
			[]string{"ec2:DeleteSubnet subnet-ours"}},
		{"vpc", "vpc-ours", fmt.Sprintf(a, "ec2", "vpc/vpc-ours"), fmt.Sprintf(a, "ec2", "vpc/vpc-theirs"),
			[]string{"ec2:DeleteVpc vpc-ours"}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			seed := func() *fakeAWS {
				f := leftovers()
				f.tagged = []taggedResource{{tc.arn, ours}, {tc.foreign, theirs}, {strings.Replace(tc.foreign, "prod-x", "e2e-old1-x", 1) + "-lookalike", nameOnly}}
				f.roles, f.configs = nil, nil
				f.rules = map[string][]string{"e2e-old1-verify-canary": {"t1", "t2"}, "prod-x-verify-canary": {"t1"}}
				return f
			}
			f := seed()
			code, out, errOut := runSweep(t, f)
			if code != 0 || !strings.Contains(out, "dry run: 1 to delete, 0 kept") {
				t.Fatalf("dry run: exit %d, want one resource to delete\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			if !slices.ContainsFunc(strings.Split(out, "\n"), func(l string) bool {
				return strings.HasPrefix(l, "delete") && strings.Contains(l, tc.kind) && strings.Contains(l, tc.id)
			}) {
				t.Errorf("dry run does not list delete %s %s:\n%s", tc.kind, tc.id, out)
			}
			if m := f.mutations(); len(m) != 0 {
				t.Errorf("dry run made changes: %v", m)
			}

			f = seed()
			code, out, errOut = runSweep(t, f, "--yes", "--wait-clusters", "1m")
			if code != 0 {
				t.Fatalf("sweep: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
			}
			if got := f.mutations(); !slices.Equal(got, tc.calls) {
				t.Errorf("changes:\n got  %q\n want %q", got, tc.calls)
			}
			_, theirID := sweep.ParseARN(tc.foreign)
			for _, c := range f.calls {
				if strings.Contains(c, theirID) || strings.Contains(c, "lookalike") {
					t.Errorf("called %q on a resource that is not the run's", c)
				}
			}
		})
	}
}

// A key an earlier sweep scheduled stays listed (with its tags) for 7-30
// days: it is swept, so neither planned nor scheduled again.
func TestPendingKMSKeyCountsAsSwept(t *testing.T) {
	f := leftovers()
	ours := map[string]string{sweep.TagPrefix: "e2e-old1", sweep.TagCreatedAt: now.Add(-5 * time.Hour).Format(time.RFC3339)}
	f.tagged = []taggedResource{{"arn:aws:kms:us-east-1:123456789012:key/key-pending", ours}}
	f.roles, f.configs = nil, nil
	f.keys["key-pending"] = "PendingDeletion"
	code, out, errOut := runSweep(t, f, "--yes")
	if code != 0 || !strings.Contains(out, "0 deleted") || strings.Contains(out, "key-pending") {
		t.Fatalf("exit %d, want nothing to do\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if m := f.mutations(); len(m) != 0 {
		t.Errorf("changed a key already pending deletion: %v", m)
	}

	// Scheduled by this run: reported as scheduled, exit 0.
	f.keys["key-pending"] = "Enabled"
	code, out, errOut = runSweep(t, f, "--yes")
	if code != 0 || !strings.Contains(out, "scheduled") || !strings.Contains(out, "pending deletion on") {
		t.Fatalf("exit %d, want the key scheduled\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// A deleted Lambda's ENIs keep its security group in use for a while: the
// group is deferred (untouched), retried with progress, and deleted once
// the ENIs are gone.
func TestLambdaENIsHoldTheGroupUntilReleased(t *testing.T) {
	f := leftovers()
	ours := map[string]string{sweep.TagPrefix: "e2e-old1", sweep.TagCreatedAt: now.Add(-5 * time.Hour).Format(time.RFC3339)}
	f.tagged = []taggedResource{
		{"arn:aws:lambda:us-east-1:123456789012:function:e2e-old1-verify-canary", ours},
		{"arn:aws:ec2:us-east-1:123456789012:security-group/sg-runner", ours},
	}
	f.roles, f.configs = nil, nil
	f.enis["sg-runner"] = 3 // three more looks still find the ENI
	code, out, errOut := runSweep(t, f, "--yes", "--budget", "2s")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if !strings.Contains(errOut, "deferred") || !strings.Contains(errOut, "in use by network interface eni-held") || !strings.Contains(errOut, "attempt 1") {
		t.Errorf("no progress for the held group on stderr:\n%s", errOut)
	}
	want := []string{"lambda:DeleteFunction e2e-old1-verify-canary", "ec2:RevokeSecurityGroupIngress sg-runner", "ec2:RevokeSecurityGroupEgress sg-runner", "ec2:DeleteSecurityGroup sg-runner"}
	if got := f.mutations(); !slices.Equal(got, want) {
		t.Errorf("changes:\n got  %q\n want %q (nothing revoked while held)", got, want)
	}
}

// A run of examples/existing-cluster: its NLB group, load balancer, target
// group and endpoint service are the run's, and so is the one 9098 rule it
// added to the existing cluster's group (tagged). The sweep revokes exactly
// that rule (by its id, in that group), then deletes the NLB group the rule
// referenced; the cluster, its VPC, subnets and group are never touched
// (untagged: the tagging API does not list them).
func TestSweepLeavesAnExistingClusterAlone(t *testing.T) {
	f := leftovers()
	run := map[string]string{sweep.TagPrefix: "e2e-byo1", sweep.TagCreatedAt: now.Add(-5 * time.Hour).Format(time.RFC3339)}
	a := "arn:aws:%s:us-east-1:123456789012:%s"
	f.tagged = []taggedResource{
		{fmt.Sprintf(a, "ec2", "security-group-rule/sgr-0nlb9098"), run},
		{fmt.Sprintf(a, "ec2", "security-group/sg-nlbs"), run},
		{fmt.Sprintf(a, "elasticloadbalancing", "loadbalancer/net/e2e-byo1-b1/def"), run},
		{fmt.Sprintf(a, "elasticloadbalancing", "targetgroup/e2e-byo1-b1/abc"), run},
		{fmt.Sprintf(a, "ec2", "vpc-endpoint-service/vpce-svc-byo"), run},
	}
	f.roles, f.configs = nil, nil
	f.sgRules = map[string]fakeSGRule{
		"sgr-0nlb9098": {group: "sg-existing-cluster", refers: "sg-nlbs"},
		"sgr-0other":   {group: "sg-existing-cluster", refers: "sg-clients"},
	}
	f.refs["sg-nlbs"] = []string{"sg-existing-cluster"}
	code, out, errOut := runSweep(t, f, "--prefix", "e2e-byo1", "--yes")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	want := []string{
		"ec2:DeleteVpcEndpointServiceConfigurations vpce-svc-byo",
		"elb:DeleteLoadBalancer arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/e2e-byo1-b1/def",
		"elb:DeleteTargetGroup arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/e2e-byo1-b1/abc",
		"ec2:RevokeSecurityGroupIngress sg-existing-cluster",
		"ec2:RevokeSecurityGroupIngress sg-nlbs",
		"ec2:RevokeSecurityGroupEgress sg-nlbs",
		"ec2:DeleteSecurityGroup sg-nlbs",
	}
	if got := f.mutations(); !slices.Equal(got, want) {
		t.Errorf("changes:\n got  %q\n want %q", got, want)
	}
	var inCluster []string
	for _, r := range f.revoked {
		if strings.HasPrefix(r, "sg-existing-cluster ") {
			inCluster = append(inCluster, r)
		}
	}
	if !slices.Equal(inCluster, []string{"sg-existing-cluster sgr-0nlb9098"}) {
		t.Errorf("revoked in the cluster's group: %q, want only the run's 9098 rule", inCluster)
	}
	if _, ok := f.sgRules["sgr-0other"]; !ok {
		t.Error("the cluster group's other rule was revoked")
	}
}

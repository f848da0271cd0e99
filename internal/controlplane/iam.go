package controlplane

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/mskvpce/mskvpce/internal/finding"
)

// policyDoc is the part of an IAM policy document the trust check reads.
type policyDoc struct {
	Statement oneOrMany[statement] `json:"Statement"`
}

type statement struct {
	Effect    string                                  `json:"Effect"`
	Principal principal                               `json:"Principal"`
	Action    oneOrMany[string]                       `json:"Action"`
	Condition map[string]map[string]oneOrMany[string] `json:"Condition"`
}

// principal is "*" or {"AWS": "arn" | ["arn", ...], "Service": ..., ...}.
type principal struct {
	Any bool
	AWS []string
}

func (p *principal) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		p.Any = s == "*"
		return nil
	}
	var m map[string]oneOrMany[string]
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("Principal: %w", err)
	}
	p.AWS = m["AWS"]
	return nil
}

// oneOrMany is a JSON value that IAM allows as one element or a list.
type oneOrMany[T any] []T

func (o *oneOrMany[T]) UnmarshalJSON(b []byte) error {
	var one T
	if err := json.Unmarshal(b, &one); err == nil {
		*o = []T{one}
		return nil
	}
	var many []T
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*o = many
	return nil
}

// uniqueID matches the IDs IAM puts in place of a principal whose role or
// user was deleted (AROA… for roles, AIDA… for users).
var uniqueID = regexp.MustCompile(`^A(RO|ID)A[A-Z0-9]{12,}$`)

// checkTrustPolicy: the Databricks role trusts the UC master role and
// itself, and the external ID condition is present and not the placeholder.
func (r *run) checkTrustPolicy(ctx context.Context) finding.Finding {
	roleARN := r.d.RoleARN
	name := r.d.RoleName
	if name == "" {
		name = roleARN[strings.LastIndex(roleARN, "/")+1:]
	}
	f := func() finding.Finding {
		cctx, cancel := r.call(ctx)
		defer cancel()
		out, err := r.c.IAM.GetRole(cctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if err != nil {
			return failedCall(r.d.Region, wrapAPI("GetRole", "iam:GetRole", name, err))
		}
		if out.Role == nil || out.Role.AssumeRolePolicyDocument == nil {
			return fail(fmt.Sprintf("role %s has no trust policy", name), r.restoreStep(name, ""))
		}
		raw, err := url.PathUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
		if err != nil {
			return fail(fmt.Sprintf("role %s: trust policy is not URL-encoded JSON: %v", name, err), r.restoreStep(name, ""))
		}
		var doc policyDoc
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			return fail(fmt.Sprintf("role %s: trust policy is not valid JSON: %v", name, err), r.restoreStep(name, ""))
		}
		return r.judgeTrust(name, doc)
	}()
	f.Target = name
	return f
}

func (r *run) judgeTrust(name string, doc policyDoc) finding.Finding {
	roleARN, uc := r.d.RoleARN, r.o.UCMasterRoleARN
	account := ""
	if parts := strings.SplitN(roleARN, ":", 6); len(parts) == 6 {
		account = parts[4]
	}
	var ucFound, selfFound bool
	var externalIDs []string
	ucHasCondition := false
	var orphans []string
	wildcard := false
	for _, s := range doc.Statement {
		if s.Effect != "Allow" || !allowsAssumeRole(s.Action) {
			continue
		}
		if s.Principal.Any {
			wildcard = true
		}
		for _, p := range s.Principal.AWS {
			switch {
			case p == "*":
				wildcard = true
			case p == uc:
				ucFound = true
				if ids, ok := conditionValues(s.Condition, "sts:ExternalId"); ok {
					ucHasCondition = true
					externalIDs = append(externalIDs, ids...)
				}
			case p == roleARN:
				selfFound = true
			case (p == "arn:aws:iam::"+account+":root" || p == account) && principalArnCondition(s.Condition, roleARN):
				// The form Databricks documents for self-assumption: the
				// account root, narrowed to this role by aws:PrincipalArn.
				selfFound = true
			case uniqueID.MatchString(p):
				orphans = append(orphans, p)
			}
		}
	}
	var problems []string
	if !ucFound {
		problems = append(problems, fmt.Sprintf("principal %s (Databricks UC master role) is missing", uc))
	}
	if !selfFound {
		problems = append(problems, fmt.Sprintf("principal %s (the role itself, needed for self-assumption) is missing", roleARN))
	}
	if wildcard {
		problems = append(problems, `a statement lets any principal ("*") assume the role`)
	}
	if len(orphans) > 0 {
		problems = append(problems, fmt.Sprintf("principal %s is the unique ID of a deleted role or user (IAM replaced its ARN)", strings.Join(orphans, ", ")))
	}
	placeholder := false
	real := ""
	switch {
	case ucFound && !ucHasCondition:
		problems = append(problems, "no sts:ExternalId condition on the statement trusting the UC master role (confused-deputy protection missing)")
	case ucFound:
		for _, id := range externalIDs {
			if id == r.o.PlaceholderExternalID {
				placeholder = true
			} else if real == "" {
				real = id
			}
		}
		if placeholder {
			problems = append(problems, fmt.Sprintf("sts:ExternalId is the placeholder %q", r.o.PlaceholderExternalID))
		}
	}
	if len(problems) == 0 {
		if r.d.ExternalIDIsPlaceholder {
			return fail(fmt.Sprintf("the trust policy has a real external ID but Terraform still holds the placeholder %q: the next `terraform apply` reverts it", r.o.PlaceholderExternalID),
				fmt.Sprintf("set databricks_external_id = %q in terraform.tfvars, then `terraform apply`", real))
		}
		return pass(fmt.Sprintf("trusts %s and itself; sts:ExternalId set (not the placeholder)", shortRole(uc)))
	}
	if placeholder && ucFound && selfFound && len(orphans) == 0 && !wildcard {
		return fail(strings.Join(problems, "; "),
			fmt.Sprintf("create the Databricks service credential for %s, copy the external ID Databricks shows, set databricks_external_id to it in terraform.tfvars and run `terraform apply`", roleARN))
	}
	return fail(strings.Join(problems, "; "), r.restoreStep(name, real))
}

// restoreStep is how to put the module's trust policy back.
func (r *run) restoreStep(name, externalID string) string {
	step := "run `terraform apply` to restore the module's trust policy"
	if externalID == "" {
		return step + fmt.Sprintf(" (principals %s and %s, sts:ExternalId = your Databricks external ID)", r.o.UCMasterRoleARN, r.d.RoleARN)
	}
	return step + fmt.Sprintf(", or: aws iam update-assume-role-policy --role-name %s --policy-document '%s'", name, TrustPolicy(r.o.UCMasterRoleARN, r.d.RoleARN, externalID))
}

// TrustPolicy renders the trust policy the module gives the Databricks
// role: the UC master role may assume it with the external ID, and so may
// the role itself (named as its account root narrowed by aws:PrincipalArn,
// because IAM rejects a role's own ARN as principal while creating it).
func TrustPolicy(ucMasterRoleARN, roleARN, externalID string) string {
	account := ""
	if parts := strings.SplitN(roleARN, ":", 6); len(parts) == 6 {
		account = parts[4]
	}
	partition := "aws"
	if parts := strings.SplitN(roleARN, ":", 3); len(parts) == 3 {
		partition = parts[1]
	}
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[`+
		`{"Sid":"DatabricksUnityCatalog","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":%q},"Condition":{"StringEquals":{"sts:ExternalId":%q}}},`+
		`{"Sid":"ExplicitSelfRoleAssumption","Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":%q},"Condition":{"ArnEquals":{"aws:PrincipalArn":%q},"StringEquals":{"sts:ExternalId":%q}}}]}`,
		ucMasterRoleARN, externalID, "arn:"+partition+":iam::"+account+":root", roleARN, externalID)
}

func allowsAssumeRole(actions []string) bool {
	for _, a := range actions {
		switch strings.ToLower(a) {
		case "sts:assumerole", "sts:*", "*":
			return true
		}
	}
	return false
}

// conditionValues returns the values of key under any string-equality
// operator (StringEquals, StringLike, ...); IAM condition keys are case-insensitive.
func conditionValues(cond map[string]map[string]oneOrMany[string], key string) ([]string, bool) {
	var out []string
	found := false
	for op, kv := range cond {
		if !strings.HasPrefix(op, "String") || strings.HasPrefix(op, "StringNot") {
			continue
		}
		for k, vs := range kv {
			if strings.EqualFold(k, key) {
				found = true
				out = append(out, vs...)
			}
		}
	}
	return out, found
}

func principalArnCondition(cond map[string]map[string]oneOrMany[string], roleARN string) bool {
	for op, kv := range cond {
		if !(strings.HasPrefix(op, "Arn") || strings.HasPrefix(op, "String")) || strings.Contains(op, "Not") {
			continue
		}
		for k, vs := range kv {
			if strings.EqualFold(k, "aws:PrincipalArn") && contains(vs, roleARN) {
				return true
			}
		}
	}
	return false
}

func shortRole(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"

	"github.com/mskvpce/mskvpce/internal/cmdline"
)

// Kind is the Terraform type of an input.
type Kind int

const (
	KindString Kind = iota
	KindList
	KindNumber
	KindBool
)

// Input is one Terraform variable of the root module the CLI knows by name:
// a flag, an MSKVPCE_* environment variable, and a check that runs before
// Terraform does (Terraform's own validation blocks remain the authority).
type Input struct {
	Var      string
	Flag     string
	Kind     Kind
	Required bool
	Help     string
	Check    func(string) error
	// Distinct: a list input whose items must differ (as the module requires).
	Distinct bool
	// Secret: the value is never printed (errors, output, status) unless
	// the operator asks with --show-secrets, and reaches Terraform only
	// through a 0600 var file, never its command line.
	Secret bool
	// Only names the one root module that has this variable (RootComplete:
	// the cluster deploy creates; RootExisting: --cluster-arn); empty: both.
	// Required applies only in that root.
	Only string
}

// The root modules deploy lays, relative to the embedded tree: the
// greenfield one that creates VPC and cluster, and the one that fronts a
// cluster that exists (--cluster-arn).
const (
	RootComplete = "examples/complete"
	RootExisting = "examples/existing-cluster"
)

// ForRoot reports whether the input is a variable of root.
func (in Input) ForRoot(root string) bool { return in.Only == "" || in.Only == root }

func (in Input) Env() string { return "MSKVPCE_" + strings.ToUpper(in.Var) }

var (
	reRegion     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	rePrefix     = regexp.MustCompile(`^[a-z][a-z0-9-]{1,22}[a-z0-9]$`)
	rePrincipal  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(root|(role|user)/[A-Za-z0-9+=,.@_/-]+)$`)
	reExternalID = regexp.MustCompile(`^[A-Za-z0-9+=,.@:/-]+$`)
	reProfile    = regexp.MustCompile(`^[A-Za-z0-9_.@+-]+$`)
	reInstance   = regexp.MustCompile(`^kafka\.[a-z0-9]+\.[a-z0-9]+$`)
	reTag        = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+@-]{1,256}$`)
	reUUID       = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reAccountID  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`) // as the account console shows it
	reDigits     = regexp.MustCompile(`^[0-9]{1,20}$`)
	// reClusterARN is the existing-cluster root's own rule for cluster_arn.
	reClusterARN = regexp.MustCompile(`^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9-]{1,64}/[A-Za-z0-9-]+$`)
)

// IsRegion reports whether s is shaped like an AWS region name (us-east-1).
func IsRegion(s string) bool { return reRegion.MatchString(s) }

// DatabricksServerlessAccount is the AWS account of Databricks'
// private-connectivity roles in the commercial partition: serverless compute
// connects to endpoint services as private-connectivity-role-<region> there.
const DatabricksServerlessAccount = "565502421330"

// DefaultAllowedPrincipal is the principal the endpoint services allow when
// none is given: Databricks serverless in region. ok is false outside the
// commercial partition (GovCloud, China), where the role lives in another
// account and must be passed explicitly.
func DefaultAllowedPrincipal(region string) (arn string, ok bool) {
	if !reRegion.MatchString(region) || strings.HasPrefix(region, "us-gov-") || strings.HasPrefix(region, "cn-") || strings.HasPrefix(region, "us-iso") {
		return "", false
	}
	return fmt.Sprintf("arn:aws:iam::%s:role/private-connectivity-role-%s", DatabricksServerlessAccount, region), true
}

// reHostURL is the example's rule for Databricks hosts: https, a host name,
// no port, path, query or credentials.
var reHostURL = regexp.MustCompile(`^https://[A-Za-z0-9.-]+/?$`)

func checkHTTPSURL(example string) func(string) error {
	return func(v string) error {
		if !reHostURL.MatchString(v) {
			return fmt.Errorf("%q is not an https URL of a host (no port or path); use one like %s", v, example)
		}
		return nil
	}
}

var Inputs = []Input{
	{Var: "region", Flag: "region", Kind: KindString, Required: true, Help: "AWS region, e.g. us-east-1",
		Check: func(v string) error {
			if !reRegion.MatchString(v) {
				return errors.New("not an AWS region code; use one like us-east-1 or eu-west-2")
			}
			return nil
		}},
	{Var: "prefix", Flag: "prefix", Kind: KindString, Required: true, Help: "prefix of every resource name: 3-24 of a-z 0-9 -, starting with a letter;\n" + strings.Repeat(" ", 32) + "not internal-..., no --",
		Check: func(v string) error {
			if !rePrefix.MatchString(v) {
				return fmt.Errorf("%q must be 3-24 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen (it keeps NLB and target group names within 32 characters), e.g. msk-vpce-dev", v)
			}
			if strings.HasPrefix(v, "internal-") || strings.Contains(v, "--") {
				return fmt.Errorf("%q must not start with \"internal-\" (Elastic Load Balancing reserves it) nor contain \"--\", e.g. msk-vpce-dev", v)
			}
			return nil
		}},
	{Var: "cluster_arn", Flag: "cluster-arn", Kind: KindString, Required: true, Only: RootExisting, Help: "ARN of an existing provisioned MSK cluster (IAM auth on) to front instead of creating one;\n" + strings.Repeat(" ", 32) + "discovered and printed before any plan (examples/existing-cluster)",
		Check: func(v string) error {
			if !reClusterARN.MatchString(v) {
				return fmt.Errorf("%q is not an MSK cluster ARN: want arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> (aws kafka list-clusters-v2 lists them)", v)
			}
			return nil
		}},
	{Var: "cidr_block", Flag: "cidr-block", Kind: KindString, Required: true, Only: RootComplete, Help: "IPv4 CIDR of the new VPC, /16 to /24, e.g. 172.18.0.0/16",
		Check: func(v string) error {
			p, err := netip.ParsePrefix(v)
			if err != nil || !p.Addr().Is4() {
				return fmt.Errorf("%q is not an IPv4 CIDR block; use one like 172.18.0.0/16", v)
			}
			if p.Bits() < 16 || p.Bits() > 24 {
				return fmt.Errorf("%q has prefix length /%d; use /16 to /24 (the module carves one subnet per AZ from it)", v, p.Bits())
			}
			if p.Masked() != p {
				return fmt.Errorf("%q has host bits set; use %s", v, p.Masked())
			}
			return nil
		}},
	{Var: "allowed_principals", Flag: "allowed-principal", Kind: KindList, Required: true, Distinct: true, Help: "principal allowed to connect to the endpoint services; default: Databricks serverless,\n" + strings.Repeat(" ", 32) + "arn:aws:iam::" + DatabricksServerlessAccount + ":role/private-connectivity-role-<region>\n" + strings.Repeat(" ", 32) + "(GovCloud: another account, pass it explicitly)",
		Check: func(v string) error {
			if strings.Contains(v, "*") {
				return fmt.Errorf("%q contains a wildcard: anyone matching it could connect to your brokers; name the exact role, e.g. arn:aws:iam::123456789012:role/private-connectivity-role-us-east-1", v)
			}
			if !rePrincipal.MatchString(v) {
				return fmt.Errorf("%q is not an IAM role, user or account-root ARN, e.g. arn:aws:iam::123456789012:role/private-connectivity-role-us-east-1", v)
			}
			return nil
		}},
	{Var: "user_name", Flag: "owner", Kind: KindString, Required: true, Help: "Owner tag on every resource, e.g. your e-mail address",
		Check: func(v string) error {
			if !reTag.MatchString(v) {
				return fmt.Errorf("%q is not a valid tag value: 1-256 letters, digits, spaces and _.:/=+-@", v)
			}
			return nil
		}},
	{Var: "service_name", Flag: "service-name", Kind: KindString, Help: "Service tag on every resource (default \"MSK Endpoint Service\")",
		Check: func(v string) error {
			if !reTag.MatchString(v) {
				return fmt.Errorf("%q is not a valid tag value: 1-256 letters, digits, spaces and _.:/=+-@", v)
			}
			return nil
		}},
	{Var: "aws_profile", Flag: "profile", Kind: KindString, Help: "AWS CLI profile (default: the standard credential chain)",
		Check: func(v string) error {
			if !reProfile.MatchString(v) {
				return fmt.Errorf("%q is not a profile name (letters, digits and _.@+-)", v)
			}
			return nil
		}},
	{Var: "databricks_external_id", Flag: "external-id", Kind: KindString, Secret: true, Help: "external ID of the Databricks service credential (first apply: unset = placeholder 0000)",
		Check: func(v string) error {
			// The value is a secret: say what is wrong with it, never what it is.
			if !reExternalID.MatchString(v) || len(v) < 2 || len(v) > 1224 {
				return fmt.Errorf("the value given (%d characters) is not an external ID (2-1224 of letters, digits and +=,.@:/-); copy it exactly from the Databricks service credential", len(v))
			}
			return nil
		}},
	{Var: "enable_databricks", Flag: "databricks", Kind: KindBool, Help: "also create the Databricks side in the same apply: service credential, NCC private endpoint rules, accepted connections",
		Check: func(v string) error {
			if _, err := strconv.ParseBool(v); err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			return nil
		}},
	{Var: "databricks_account_id", Flag: "databricks-account-id", Kind: KindString, Help: "with --databricks: Databricks account ID (account console → your user menu), a UUID",
		Check: func(v string) error {
			if !reAccountID.MatchString(v) {
				return fmt.Errorf("%q is not a Databricks account ID: copy the lowercase UUID from the account console (top right, your user menu), e.g. 0d26daa6-5e44-4c97-a497-ef015f91254a", v)
			}
			return nil
		}},
	{Var: "databricks_account_host", Flag: "databricks-account-host", Kind: KindString, Help: "with --databricks: account console URL (default https://accounts.cloud.databricks.com)",
		Check: checkHTTPSURL("https://accounts.cloud.databricks.com")},
	{Var: "databricks_workspace_host", Flag: "databricks-workspace-host", Kind: KindString, Help: "with --databricks: URL of the workspace that gets the service credential",
		Check: checkHTTPSURL("https://dbc-a1b2c3d4-e5f6.cloud.databricks.com")},
	{Var: "databricks_workspace_id", Flag: "databricks-workspace-id", Kind: KindNumber, Help: "with --databricks: numeric workspace ID to bind the NCC to (unset: bind it yourself)",
		Check: func(v string) error {
			if !reDigits.MatchString(v) {
				return fmt.Errorf("%q is not a workspace ID: use the number after o= in the workspace URL, or the ID in the account console (Workspaces), e.g. 1234567890123456", v)
			}
			return nil
		}},
	{Var: "databricks_ncc_id", Flag: "databricks-ncc-id", Kind: KindString, Help: "with --databricks: existing network connectivity configuration to add the rules to (unset: a new NCC)",
		Check: func(v string) error {
			if !reUUID.MatchString(v) {
				return fmt.Errorf("%q is not an NCC ID: copy the UUID from the account console (Security → Networking → Network connectivity configurations)", v)
			}
			return nil
		}},
	{Var: "databricks_bind_new_ncc_to_workspace", Flag: "databricks-bind-new-ncc", Kind: KindBool, Help: "with --databricks-workspace-id and no --databricks-ncc-id: bind the new NCC to the workspace,\n" + strings.Repeat(" ", 32) + "detaching its current NCC and all that NCC's rules (explicit opt-in)",
		Check: func(v string) error {
			if _, err := strconv.ParseBool(v); err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			return nil
		}},
	{Var: "operator_cidrs", Flag: "operator-cidr", Kind: KindList, Help: "CIDR inside the VPC allowed to reach the NLBs directly (verification)",
		Check: func(v string) error {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return fmt.Errorf("%q is not a CIDR block, e.g. 172.18.240.0/24", v)
			}
			if p.Bits() == 0 {
				return fmt.Errorf("%q opens the NLBs to everything; name the bastion's or runner's subnet instead", v)
			}
			return nil
		}},
	{Var: "broker_count", Flag: "broker-count", Kind: KindNumber, Only: RootComplete, Help: "number of brokers, a multiple of 3 (default 3)",
		Check: func(v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 3 || n > 30 || n%3 != 0 {
				return fmt.Errorf("%q must be a multiple of 3 between 3 and 30", v)
			}
			return nil
		}},
	{Var: "instance_type", Flag: "instance-type", Kind: KindString, Only: RootComplete, Help: "broker instance type (default kafka.m5.large)",
		Check: func(v string) error {
			if !reInstance.MatchString(v) {
				return fmt.Errorf("%q is not an MSK instance type such as kafka.m5.large", v)
			}
			return nil
		}},
}

func LookupInput(v string) (Input, bool) {
	for _, in := range Inputs {
		if in.Var == v {
			return in, true
		}
	}
	return Input{}, false
}

// Values maps a variable name to its value: string, []string or json.Number.
type Values map[string]any

// UsageError is a problem with the operator's inputs or flags (exit 2).
type UsageError = cmdline.UsageError

var usagef = cmdline.Usagef

// source says where a value came from, for error messages.
func source(in Input, from string) string {
	switch from {
	case "flag":
		return "--" + in.Flag
	case "env":
		return in.Env()
	case "":
		return fmt.Sprintf("input %s", in.Var)
	default:
		return fmt.Sprintf("%s in %s", in.Var, from)
	}
}

// CheckValue validates one value of an input.
func CheckValue(in Input, v any, from string) error {
	var items []string
	switch x := v.(type) {
	case string:
		items = []string{x}
		if in.Kind == KindList {
			return usagef("%s: want a list of strings, got a single string", source(in, from))
		}
	case []string:
		items = x
		if in.Kind == KindList && in.Required && len(x) == 0 {
			return usagef("%s: must not be empty; set --%s (repeatable) or %s", source(in, from), in.Flag, in.Env())
		}
	case json.Number:
		items = []string{x.String()}
	case bool:
		items = []string{strconv.FormatBool(x)}
	case nil:
		return nil
	default:
		return usagef("%s: unexpected value %v", source(in, from), v)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if err := in.Check(it); err != nil {
			return usagef("%s: %v", source(in, from), err)
		}
		if in.Distinct && seen[it] {
			return usagef("%s: %q is given twice; name each once", source(in, from), it)
		}
		seen[it] = true
	}
	return nil
}

// ParseValue converts a flag or environment string to the input's kind.
func ParseValue(in Input, s string) any {
	switch in.Kind {
	case KindList:
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	case KindNumber:
		return json.Number(strings.TrimSpace(s))
	case KindBool:
		if b, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			return b
		}
	}
	return s
}

// ReadVarFile reads the known inputs from a .tfvars (HCL) or .tfvars.json
// file, which must be a regular file (a FIFO is refused, not waited on).
func ReadVarFile(ctx context.Context, path string) (Values, error) {
	return readVars(ctx, path, "--var-file "+path)
}

// readVars reads a var file; label names it in errors.
func readVars(ctx context.Context, path, label string) (Values, error) {
	b, err := ReadRegularFile(ctx, path)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, usagef("%s: %v", label, err)
	}
	p := hclparse.NewParser()
	var f *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(path, ".json") {
		f, diags = p.ParseJSON(b, path)
	} else {
		f, diags = p.ParseHCL(b, path)
	}
	if diags.HasErrors() {
		return nil, usagef("%s: %s", label, diags.Error())
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return nil, usagef("%s: %s", label, diags.Error())
	}
	out := Values{}
	for name, a := range attrs {
		in, ok := LookupInput(name)
		if !ok {
			continue // Terraform checks the rest
		}
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			return nil, usagef("%s: %s: %s", label, name, diags.Error())
		}
		gv, err := ctyToGo(v, in.Kind)
		if err != nil {
			return nil, usagef("%s: %s: %v", label, name, err)
		}
		out[name] = gv
	}
	return out, nil
}

func ctyToGo(v cty.Value, k Kind) (any, error) {
	if v.IsNull() {
		return nil, nil
	}
	switch k {
	case KindList:
		if !v.Type().IsListType() && !v.Type().IsTupleType() && !v.Type().IsSetType() {
			return nil, errors.New("want a list of strings")
		}
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if e.Type() != cty.String {
				return nil, errors.New("want a list of strings")
			}
			out = append(out, e.AsString())
		}
		return out, nil
	case KindNumber:
		if v.Type() == cty.Number {
			return json.Number(v.AsBigFloat().Text('f', -1)), nil
		}
		if v.Type() == cty.String {
			if _, ok := new(big.Float).SetString(v.AsString()); ok {
				return json.Number(v.AsString()), nil
			}
		}
		return nil, errors.New("want a number")
	case KindBool:
		if v.Type() == cty.Bool {
			return v.True(), nil
		}
		if v.Type() == cty.String {
			if b, err := strconv.ParseBool(v.AsString()); err == nil {
				return b, nil
			}
		}
		return nil, errors.New("want true or false")
	}
	if v.Type() != cty.String {
		return nil, errors.New("want a string")
	}
	return v.AsString(), nil
}

// ReadValues reads a tfvars.json file the tool wrote (missing = empty).
func ReadValues(ctx context.Context, path string) (Values, error) {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return Values{}, nil
	}
	v, err := readVars(ctx, path, path)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		return nil, usagef("%v: fix or delete it and pass the inputs again", err)
	}
	return v, nil
}

func WriteValues(path string, v Values) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, append(b, '\n'), 0o600)
}

// HCLValue renders a value for a -var argument.
func HCLValue(v any) string {
	switch x := v.(type) {
	case []string:
		b, _ := json.Marshal(x)
		return string(b)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func SortedKeys(v Values) []string {
	ks := make([]string, 0, len(v))
	for k := range v {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

package deploy

import (
	"fmt"
	"strings"

	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

const helpTemplate = `deploy — deploy private connectivity from Databricks serverless to Amazon MSK, safely.

Usage: deploy <command> [flags]

Commands:
  init      lay out the embedded Terraform configuration and run terraform init
  plan      show what apply would change (saved to a plan file)
  apply     plan, show the summary, ask, then apply exactly that plan
  output    print the outputs and the Databricks NCC private endpoint rules
  verify    produce and consume through every broker's NLB; report drift
  status    say which phase the deployment is in and what to do next
  destroy   plan the destruction, ask for the prefix, destroy
  help      this text; "deploy help <command>" for a command's flags

The flow (MSK takes 15-30 minutes to create):
  1. deploy apply --region us-east-1 --prefix msk-vpce-dev --cidr-block 172.18.0.0/16 \
       --owner you@example.com \
       --allowed-principal arn:aws:iam::<databricks-account>:role/private-connectivity-role-us-east-1
     The Databricks role is created with the placeholder external ID "0000".
  2. In Databricks, create a Unity Catalog service credential with the role ARN apply printed;
     copy its external ID.
  3. deploy apply --external-id <id>      (re-applies only the role's trust policy)
  4. Add one NCC private endpoint rule per broker (apply and output print them: endpoint
     service name + domain_names = [broker hostname]), accept the endpoint connections.
  5. deploy verify                        (every broker path, end to end, plus drift)
  6. deploy destroy                       (asks you to type the prefix)

Inputs (flags win over MSKVPCE_* variables, which win over --var-file, which wins over the
inputs recorded by earlier runs in the working directory):
` + "%INPUTS%" + `
  --var-file FILE              a .tfvars or .tfvars.json file with any variable of the
                               configuration (repeatable; remembered for later runs)

Deployment and state:
  --name NAME            deployment name (default: the prefix, or the only deployment there is); MSKVPCE_NAME
  --workdir DIR          working directory (default $XDG_STATE_HOME/mskvpce/<name>, i.e.
                         ~/.local/state/mskvpce/<name>); MSKVPCE_WORKDIR. Holds the state, the
                         recorded inputs and the laid-out configuration. The tool never overwrites
                         or deletes state, .terraform/, or files you wrote.
  --backend-config FILE  keep state in S3 instead (bucket, key, region; native S3 lock file)
  --backend-bucket B --backend-key K --backend-region R
                         the same, written to <workdir>/backend.s3.hcl for you
  --terraform PATH       use this terraform (must be version ` + "%TFVERSION%" + `); MSKVPCE_TERRAFORM.
                         Otherwise terraform ` + "%TFVERSION%" + ` is found on $PATH or in the cache
                         ($XDG_CACHE_HOME/mskvpce/terraform), else downloaded there
                         (MSKVPCE_TERRAFORM_NO_DOWNLOAD=1 forbids downloading).

Other flags:
  --yes                  do not ask (required when stdin is not a terminal)
  --output text|json     output, status, plan and verify results as JSON
  --debug                debug logs on stderr

Interrupting: the first Ctrl-C asks Terraform to stop cleanly (in-flight operations finish,
state is saved, the lock released); the second explains the risk of killing it; the third
kills it. During destroy the first Ctrl-C only warns, so a stray key press never leaves a
half-deleted stack. (On macOS Terraform receives the terminal's Ctrl-C itself: press it once
and wait; a second press makes Terraform exit immediately.)

Exit codes:
  0    success
  1    the operation failed (Terraform error, cancelled confirmation)
  2    usage or configuration error (bad flag or input, missing --yes without a terminal)
  3    verify ran and a check failed
  130  interrupted
`

var commandHelp = map[string]string{
	"init":    "deploy init [--name N] [--workdir DIR] [inputs] [--backend-config FILE | --backend-bucket B --backend-key K --backend-region R]\n\nLays out the embedded configuration in the working directory, records the inputs given,\nand runs terraform init (local state in the working directory, or the S3 backend).\n",
	"plan":    "deploy plan [--name N] [inputs] [--var-file F] [--output json]\n\nPlans into <workdir>/plan.tfplan and prints the summary. Needs region, prefix, cidr_block,\nallowed_principals and user_name (flags, MSKVPCE_*, var files or recorded inputs).\n",
	"apply":   "deploy apply [--name N] [inputs] [--external-id ID] [--yes]\n\nPlans, prints the summary, asks for 'yes' (or --yes), and applies exactly that plan.\nAfterwards prints the Databricks role ARN, the next steps while the external ID is the\nplaceholder, and one NCC private endpoint rule per broker.\n",
	"output":  "deploy output [--name N] [--output json]\n\nPrints the outputs and the NCC private endpoint rules; --output json prints `terraform output -json`.\n",
	"verify":  "deploy verify [--name N] [--timeout 60s] [--no-drift] [--no-control-plane] [--ca-file F] [--endpoint ADV=NLB ...] [--output json]\n\nRuns the verifier on the outputs: for every broker, TLS, SASL/IAM, produce and consume through\nits NLB. Also plans with -detailed-exitcode and reports drift as a failed check, and runs the\ncontrol-plane checks (MSK, NLB targets, endpoint services, IAM role) through the AWS APIs. Credentials:\nthe AWS profile input or the standard chain. --endpoint overrides a broker's NLB address\n(e.g. through a tunnel: b-1.<cluster host>:9098=localhost:19098). Exit 3 when a check fails.\n",
	"status":  "deploy status [--name N] [--output json]\n\nSays which phase the deployment is in (not initialised, initialised, planned, partially\napplied, applied with the placeholder external ID, ready) and the next command.\n",
	"destroy": "deploy destroy [--name N] [--yes]\n\nPlans the destruction, prints it, asks you to type the deployment's prefix (or --yes) and\ndestroys exactly that plan. The first Ctrl-C does not stop it (see `deploy help`).\n",
}

func init() {
	var b strings.Builder
	metas := map[string]string{"region": "REGION", "prefix": "PREFIX", "cidr_block": "CIDR", "allowed_principals": "ARN", "user_name": "OWNER",
		"service_name": "NAME", "aws_profile": "PROFILE", "databricks_external_id": "ID", "operator_cidrs": "CIDR", "broker_count": "N", "instance_type": "TYPE"}
	for _, in := range inputs {
		flag := "--" + in.Flag + " " + metas[in.Var]
		note := in.Env()
		if in.Kind == kList {
			note += ", comma-separated"
		}
		if in.Required {
			note = "required; " + note
		}
		if in.Kind == kList {
			note = "repeatable; " + note
		}
		fmt.Fprintf(&b, "  %-28s %s\n  %-28s (%s)\n", flag, in.Help, "", note)
	}
	r := strings.NewReplacer("%INPUTS%\n", b.String(), "%TFVERSION%", tfVersion())
	h := r.Replace(helpTemplate)
	helpText = h
}

// helpText is helpTemplate with the inputs and Terraform version filled in.
var helpText string

func tfVersion() string { return tfrunner.Version }

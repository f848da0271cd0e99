package cli

import (
	"fmt"
	"strings"

	"github.com/mskvpce/mskvpce/internal/deploy"
	"github.com/mskvpce/mskvpce/internal/tfrunner"
)

const helpTemplate = `deploy — deploy private connectivity from Databricks serverless to Amazon MSK, safely.

Usage: deploy <command> [flags]

Commands:
  init        lay out the embedded Terraform configuration and run terraform init
  plan        show what apply would change (saved to a plan file)
  apply       plan, show the summary, ask, then apply exactly that plan
  output      print the outputs and the Databricks NCC private endpoint rules
  verify      produce and consume through every broker's NLB; report drift
              (--remote: from the verify canary, where Databricks stands)
  status      say which phase the deployment is in and what to do next
  heal        re-point each broker's NLB at its broker's current address (--yes applies)
  destroy     plan the destruction, ask for the prefix, destroy
  check-plan  say what a saved plan does to each broker's data path (plain Terraform:
              terraform show -json plan.out | deploy check-plan -)
  help        this text; "deploy help <command>" for a command's flags

The flow, all in one apply (--databricks; MSK takes 15-30 minutes to create):
  1. deploy apply --region us-east-1 --prefix msk-vpce-dev --cidr-block 172.18.0.0/16 \
       --owner you@example.com --databricks \
       --databricks-account-id <account UUID> \
       --databricks-workspace-host https://<workspace>.cloud.databricks.com \
       --databricks-workspace-id <workspace number> --databricks-ncc-id <the workspace's NCC>
     (or --databricks-bind-new-ncc instead of --databricks-ncc-id: bind a new NCC, detaching
     the workspace's current one and its rules)
     Creates MSK, one NLB and endpoint service per broker, the IAM role, and on the Databricks
     side the Unity Catalog service credential (its external ID goes straight into the role's
     trust policy: no --external-id), one NCC private endpoint rule per broker; then waits
     until Databricks has created each rule's endpoint, accepts exactly those endpoints and
     waits until every rule is ESTABLISHED. deploy and the Databricks provider authenticate
     as usual (DATABRICKS_CLIENT_ID/DATABRICKS_CLIENT_SECRET of an account admin service
     principal, or a ~/.databrickscfg profile). Afterwards it prints a PySpark snippet for a serverless
     notebook, filled in with the bootstrap brokers and the credential name.
  2. deploy status                        (each rule's live connection state; what to do while
                                           any is not ESTABLISHED; "ready" when all are)
  3. deploy verify                        (every broker path, end to end, plus drift)
  4. deploy destroy                       (asks you to type the prefix)

The flow without --databricks (you create the Databricks objects by hand):
  1. deploy apply --region us-east-1 --prefix msk-vpce-dev --cidr-block 172.18.0.0/16 \
       --owner you@example.com
     The endpoint services allow Databricks serverless in the region (default
     --allowed-principal arn:aws:iam::565502421330:role/private-connectivity-role-<region>;
     GovCloud uses another account: pass --allowed-principal explicitly there).
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
The inputs reach Terraform in 0600 var files in the working directory, never on its command
line (which every local user can read): this run's flags and variables in this-run.tfvars.json,
passed last, removed when the run ends.

Deployment and state:
  --name NAME            deployment name (default: the prefix, or the only deployment there is); MSKVPCE_NAME
  --workdir DIR          working directory (default $XDG_STATE_HOME/mskvpce/<name>, i.e.
                         ~/.local/state/mskvpce/<name>); MSKVPCE_WORKDIR: a new or empty directory,
                         or one an earlier run used. Holds the state, the recorded inputs and the
                         laid-out configuration. The tool never overwrites or deletes state,
                         .terraform/, or files you wrote. It is private: the state directory and
                         every working directory 0700, the files in them (state, plans, var files)
                         0600, made so again after every Terraform command and on every start.
  One run at a time: a run holds <workdir>/deploy.lock (flock) from its first write to its end;
  another run on the same deployment exits 2 before writing anything, naming it (status says
  who). A run that was killed is named by the next one, with the Terraform lock it left.
  --backend-config FILE  keep state in S3 instead (bucket, key, region; native S3 lock file)
  --backend-bucket B --backend-key K --backend-region R
                         the same, written to <workdir>/backend.s3.hcl for you
  --terraform PATH       use this terraform, as given (must be version ` + "%TFVERSION%" + `, else exit 2); MSKVPCE_TERRAFORM.
                         Otherwise terraform ` + "%TFVERSION%" + ` is found on $PATH or in the cache
                         ($XDG_CACHE_HOME/mskvpce/terraform), else downloaded there
                         (MSKVPCE_TERRAFORM_NO_DOWNLOAD=1 forbids downloading).

Other flags:
  --yes                  do not ask (apply and destroy refuse, before planning, when stdin is not
                         a terminal and --yes is not given)
  --diff                 plan, apply, destroy: print the full plan as ` + "`terraform show`" + ` does
                         before the summary (and before asking)
  --allow-path-interruption
                         apply: apply a plan that interrupts the data path of a broker that stays
                         (otherwise refused, exit 2; see ` + "`deploy help check-plan`" + `)
  --output text|json     output, status, plan, check-plan and verify results as JSON; errors too
                         ({"schema_version":1,"error":{"command","message","exit_code"}} on stdout)
  --show-secrets         print the Databricks external ID, which every output mode (output, status,
                         --diff, errors) otherwise redacts
  -v, --log-level LEVEL  logs on stderr: -v is --log-level debug; LEVEL debug, info, warn (default)
                         or error; --debug is the old name for -v

AWS identity: plan, apply and destroy first ask STS GetCallerIdentity and print the account,
ARN, region and profile they will act as; no or refused credentials exit 2 before Terraform
runs. Skipped when TF_CLI_CONFIG_FILE's dev_overrides replace hashicorp/aws (the schema-only
provider of offline planning makes no AWS call), or with MSKVPCE_SKIP_IDENTITY_CHECK=1.


Interrupting: the first Ctrl-C (or SIGTERM) asks Terraform to stop cleanly (in-flight
operations finish, state is saved, the lock released); the second explains the risk of killing
it; the third kills it, and deploy then says what is left: Terraform's state lock (its ID, the
command that removes it, and whether that is safe now: no Terraform process of the deployment
running). During destroy the first Ctrl-C only warns, so a stray key press never leaves a
half-deleted stack. (On macOS Terraform receives the terminal's Ctrl-C itself: press it once
and wait; a second press makes Terraform exit immediately.) Every other wait is bounded too:
a FIFO or device given where a file is meant is refused, never read.

Exit codes:
  0    success
  1    the operation failed (Terraform error, cancelled confirmation); check-plan: the plan
       interrupts a broker's data path
  2    usage or configuration error (bad flag or input, unknown deployment, unusable
       --terraform, no AWS credentials, missing --yes without a terminal, a FIFO or device
       where a file is meant, a deployment.json deploy cannot trust, another run holding
       the deployment); nothing is written. apply refused a plan that interrupts a
       broker's data path (--allow-path-interruption)
  3    verify ran and a check failed
  130  interrupted
`

var commandHelp = map[string]string{
	"heal":   healHelp,
	"init":   "deploy init [--name N] [--workdir DIR] [inputs] [--backend-config FILE | --backend-bucket B --backend-key K --backend-region R]\n\nLays out the embedded configuration in the working directory, records the inputs given,\nand runs terraform init (local state in the working directory, or the S3 backend).\n",
	"plan":   "deploy plan [--name N] [inputs] [--var-file F] [--diff] [--output json]\n\nPlans into <workdir>/plan.tfplan and prints the summary, then what the plan does to each\nbroker's data path: new, removed, kept or INTERRUPTED, and why (`deploy help check-plan`;\n--output json adds it as \"paths\"). Needs region, prefix, cidr_block, allowed_principals and\nuser_name (flags, MSKVPCE_*, var files or recorded inputs). With --cluster-arn (instead of\ncidr_block) it first reads that cluster from the AWS API, prints it (--output json: \"cluster\")\nand refuses (exit 2) what cannot be fronted, before anything is written. With --databricks\n(either kind of cluster) it counts what the account already uses (account API) and refuses a\ndeployment whose rules (one per broker) would exceed Databricks' limits: 30 private endpoints\nand 10 NCCs per region, 10 domain names per rule.\n",
	"apply":  "deploy apply [--name N] [inputs] [--databricks ... | --external-id ID] [--diff] [--yes] [--allow-path-interruption]\n\nPlans, prints the summary and what the plan does to each broker's data path, asks for 'yes'\n(or --yes), and applies exactly that plan (a plan that changes only outputs is applied too: it\nrecords refreshed state, e.g. NCC rule connections accepted since). A plan that interrupts the\npath of a broker that stays (`deploy help check-plan`) is refused before asking: exit 2, the\nlist, nothing applied; --allow-path-interruption applies it anyway. With TF_CLI_CONFIG_FILE\nrouting hashicorp/aws to the schema-only provider (offline planning) apply refuses before any\nTerraform work (exit 2): such a plan cannot be applied.\nAfterwards prints the Databricks role ARN; with --databricks\nthe service credential, the NCC and each rule's connection state; without it the next steps\nwhile the external ID is the placeholder and one NCC private endpoint rule per broker; and\na PySpark snippet for a serverless notebook.\n\nWith --databricks, after applying it waits (progress on stderr, at most 30 minutes) until\nDatabricks has created every NCC rule's endpoint (read from the account API with the\nprovider's credentials), accepts exactly those endpoint IDs on their brokers' endpoint\nservices (never another pending connection: the allowed principal is shared by every\nDatabricks customer in the region) and waits until every rule is ESTABLISHED. The apply\nthat creates the rules leaves Terraform's accepters out (databricks_accept_connections =\nfalse) and a second apply records them. A rule that ends CREATE_FAILED, REJECTED,\nDISCONNECTED or EXPIRED stops it with the rule and what to do.\n",
	"output": "deploy output [--name N] [--output json] [--show-secrets]\n\nPrints the outputs and the NCC private endpoint rules; --output json prints `terraform output -json`.\nThe Databricks external ID (the credential's, the canary's event) and any sensitive output are redacted\nunless --show-secrets.\n",
	"verify": "deploy verify [--name N] [--timeout 30s] [--stage-timeout 10s] [--no-drift] [--no-control-plane] [--ca-file F] [--endpoint ADV=NLB ...] [--role-arn ARN] [--sasl-mechanism aws-msk-iam|oauthbearer|both] [--output json]\n\nRuns the verifier on the outputs: for every broker, TLS, SASL/IAM (AWS_MSK_IAM by default, as Databricks),\nidempotent produce and group consume through its NLB. Also plans with -detailed-exitcode and reports drift as a failed check, and runs the\ncontrol-plane checks (MSK, NLB targets, endpoint services, IAM role) through the AWS APIs. Credentials:\nthe AWS profile input or the standard chain, checked before anything is dialed; --role-arn assumes\nthat role (the Databricks role, with the deployment's external ID) for the data path. --endpoint overrides a broker's NLB address\n(e.g. through a tunnel: b-1.<cluster host>:9098=localhost:19098). --stage-timeout bounds each stage of each path\n(at most --timeout; --timeout alone below 10s lowers it too): keep it above the brokers' group.initial.rebalance.delay.ms\n(3s by default on MSK), which a new consumer group's first join waits. Exit 3 when a check fails.\n\n" +
		"deploy verify --remote [--name N] [--timeout S] [--stage-timeout S] [--no-drift] [--no-control-plane] [--sasl-mechanism M] [--canary-zip F [--yes]] [--output json]\n\n" +
		"The NLBs are internal to the MSK VPC, so a local verify reaches them only from inside it. --remote runs the data path\n" +
		"in the deployment's verify canary instead (enable_verify_canary; terraform/modules/verify-canary, " + canaryCost + "):\n" +
		"a Lambda in a consumer VPC that reaches every broker as Databricks serverless does, through its own interface\n" +
		"endpoint by the broker's hostname, as the Databricks role with the external ID. It is invoked through the Lambda API\n" +
		"(lambda:InvokeFunction; the SDK's AWS_ENDPOINT_URL_LAMBDA or AWS_ENDPOINT_URL override its endpoint); drift and\n" +
		"the control-plane checks run here.\n" +
		"The report and the exit codes are the local verify's. --timeout may only shorten the canary's own timeout_seconds;\n" +
		"--stage-timeout (whole seconds) goes to the canary in its event.\n" +
		"Without a canary it says how to enable one and offers to create it for this run and remove it afterwards: that needs\n" +
		"--canary-zip (or MSKVPCE_CANARY_ZIP; build it with `make verify-lambda-zip`) and your 'yes' after the plan, or --yes;\n" +
		"without a terminal and --yes it refuses (exit 2) before anything is planned. The canary's variables are not recorded;\n" +
		"a plan that would also delete or replace anything but the canary (drift, changed inputs) is refused, nothing applied.\n",
	"status":  "deploy status [--name N] [--output json]\n\nSays which phase the deployment is in (not initialised, init incomplete, init needed,\ninitialised, planned, partially applied, applied with the placeholder external ID, applied\nwith private endpoint connections not all established, ready) and the next command. With\n--databricks it shows each NCC rule's live connection state from the Databricks account API\n(CREATING, PENDING, ESTABLISHED, REJECTED, DISCONNECTED, EXPIRED, CREATE_FAILED with its\nerror message; the last apply's states, and why, when the API cannot be read), for a PENDING\nrule the days left of the 14 after which Databricks expires it, and, for each rule not\nESTABLISHED, what to do. It never creates a deployment: an unknown one exits 2,\nlisting the known ones. While another run holds the deployment's lock it says which (phase\n\"in use by another deploy run\", exit 0) and reads nothing that run may be writing. The\nexternal ID is redacted unless --show-secrets.\n",
	"destroy": "deploy destroy [--name N] [--diff] [--yes]\n\nPlans the destruction, prints it (every resource it deletes), asks you to type the deployment's prefix (or --yes),\nrejects every remaining connection of the deployment's endpoint services (AWS refuses to\ndelete an endpoint service that has connections; Databricks may keep an endpoint up to 7 days\nafter its rule is deleted) and destroys exactly that plan. The first Ctrl-C does not stop it (see `deploy help`).\n",
}

func init() {
	var b strings.Builder
	metas := map[string]string{"region": "REGION", "prefix": "PREFIX", "cluster_arn": "ARN", "cidr_block": "CIDR", "allowed_principals": "ARN", "user_name": "OWNER",
		"service_name": "NAME", "aws_profile": "PROFILE", "databricks_external_id": "ID", "operator_cidrs": "CIDR", "broker_count": "N", "instance_type": "TYPE",
		"enable_databricks": "", "databricks_account_id": "UUID", "databricks_account_host": "URL", "databricks_workspace_host": "URL",
		"databricks_workspace_id": "ID", "databricks_ncc_id": "UUID", "databricks_bind_new_ncc_to_workspace": ""}
	for _, in := range deploy.Inputs {
		flag := strings.TrimSpace("--" + in.Flag + " " + metas[in.Var])
		note := in.Env()
		if in.Kind == deploy.KindList {
			note += ", comma-separated"
		}
		switch {
		case in.Var == "allowed_principals":
			note = "defaulted from the region in commercial AWS; " + note
		case in.Only == deploy.RootExisting:
			note = "recorded: the deployment fronts this cluster for its whole life; " + note
		case in.Only == deploy.RootComplete && in.Required:
			note = "required without --cluster-arn, refused with it; " + note
		case in.Only == deploy.RootComplete:
			note = "not with --cluster-arn; " + note
		case in.Required:
			note = "required; " + note
		case in.Var == "databricks_account_id" || in.Var == "databricks_workspace_host":
			note = "required with --databricks; " + note
		}
		if in.Kind == deploy.KindList {
			note = "repeatable; " + note
		}
		fmt.Fprintf(&b, "  %-29s %s\n  %-29s (%s)\n", flag, in.Help, "", note)
	}
	r := strings.NewReplacer("%INPUTS%\n", b.String(), "%TFVERSION%", tfVersion())
	h := r.Replace(helpTemplate)
	helpText = h
}

// helpText is helpTemplate with the inputs and Terraform version filled in.
var helpText string

func tfVersion() string { return tfrunner.Version }

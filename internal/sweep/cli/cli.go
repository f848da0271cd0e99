// Package cli is the e2e-cleanup command: flags, AWS configuration, the
// printed plan or outcomes and the exit codes around package sweep.
package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/awsfiles"
	"github.com/mskvpce/mskvpce/internal/awslog"
	"github.com/mskvpce/mskvpce/internal/awsregion"
	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/sweep"
)

const usage = `e2e-cleanup removes what mskvpce end-to-end runs left in an AWS account.

It deletes only what carries the e2e tags: resources (IAM roles included,
by their own tags, never by name) tagged E2EPrefix=<run id> and
E2ECreatedAt older than --older-than, plus the MSK configurations their
stacks named <run id>-kafka-<version> (configurations cannot be tagged).
IAM is global: a role tagged E2ERegion=<another region> is left to that
region's sweep.
Order: EventBridge rules (targets first), Lambda functions, interface
endpoints, endpoint services, NLBs, target groups, MSK clusters,
configurations, log groups, CloudWatch alarms, SNS topics, KMS keys
(scheduled for deletion in 7 days, KMS's minimum; a key already pending
counts as swept), hosted zones (records first), roles, security group
rules in groups the sweep does not delete (revoked alone, by id: the 9098
rule examples/existing-cluster adds to an existing cluster's group, whose
other rules, cluster and VPC are never touched), security groups, subnets,
VPCs. Listeners, and rules in a swept group, go with their parents; a
VPC's default security group with its VPC. Each delete first checks what
still holds the resource (instance profiles, network interfaces, groups
outside the sweep) and leaves it untouched if anything does; held
resources (a deleted Lambda's ENIs hold its group and subnets for up to
45 minutes) are retried, backing off, until --budget. Anything else tagged
is kept and listed: delete it by hand. Without --yes it only prints the
plan.

--prefix is one run's whole id (e2e-<id>: its E2EPrefix tag exactly, any
age allowed, --older-than 0 included) or e2e- (every run, at least 1h old).

Usage:
  e2e-cleanup [flags]          (no positional arguments)

Examples:
  go run ./cmd/e2e-cleanup                               # dry run: what would go
  go run ./cmd/e2e-cleanup --older-than 4h --yes         # delete, wait for MSK
  go run ./cmd/e2e-cleanup --prefix e2e-ab12cd --older-than 0 --yes --output json

Every AWS call is bounded by --request-timeout (retries included); a
listing that times out fails the run (exit 1) before anything is deleted.

Exit codes (go run turns every non-zero code into 1: build it where they matter):
  0    everything planned is gone
  1    a delete or a listing failed (or timed out)
  2    bad flags, arguments or AWS configuration (no credentials, a region
       or endpoint URL that is not one)
  3    something planned is still held (deferred) at the end of --budget
  130  interrupted (SIGINT/SIGTERM): while listing, nothing was deleted;
       otherwise between two deletes, and the summary says what was done

Flags:
`

// exitHeld: something planned is still held (deferred) at the end of --budget.
const exitHeld = 3

// nowFn is the sweeper's clock; tests pin it.
var nowFn = time.Now

// minPoll is the shortest --poll: a shorter one only hammers the APIs (and
// is a typo: 1ns). Tests lower it to run many passes quickly.
var minPoll = time.Second

// minRequestTimeout is the shortest --request-timeout: below it every call
// to AWS would fail.
const minRequestTimeout = time.Second

// Run is the e2e-cleanup command.
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("e2e-cleanup", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); cmdline.PrintDefaults(fs) }
	var (
		o       sweep.Options
		region  = fs.String("region", "", "AWS region (default: from the SDK's configuration, e.g. AWS_REGION)")
		profile = fs.String("profile", "", "AWS shared-config profile")
		yes     = fs.Bool("yes", false, "delete; without it, only print the plan")
		output  = cmdline.OutputFlag(fs, "")
		// Not --endpoint: in verify and deploy that is a broker's NLB address.
		endpoint = fs.String("aws-endpoint-url", "", "`URL` for every AWS API call, e.g. a fake AWS in tests (the SDK's AWS_ENDPOINT_URL environment variable works too)")
	)
	fs.StringVar(&o.Prefix, "prefix", sweep.SafePrefix, "sweep one run (e2e-<id>, its E2EPrefix tag exactly) or every run ("+sweep.SafePrefix+")")
	fs.DurationVar(&o.OlderThan, "older-than", 4*time.Hour, "keep anything younger (at least 1h with --prefix "+sweep.SafePrefix+"; any, 0 included, for one run's own prefix)")
	fs.DurationVar(&o.WaitForClusters, "wait-clusters", 40*time.Minute, "with --yes: wait up to this long for deleted MSK clusters to be gone before deleting their network")
	fs.DurationVar(&o.PollInterval, "poll", 30*time.Second, "with --yes: how often to poll MSK and retry deferred deletes")
	fs.DurationVar(&o.Budget, "budget", 35*time.Minute, "with --yes: keep retrying deferred deletes (and waiting for MSK) until this long after the first delete")
	reqTimeout := fs.Duration("request-timeout", 30*time.Second, "bound on each AWS call, its retries included (at least 1s)")
	verbosity := cmdline.VerbosityFlags(fs, slog.LevelWarn)
	if code, done := cmdline.Parse(fs, args, stdout, stderr, false); done {
		return code
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "e2e-cleanup: "+format+"\n", a...)
		return cmdline.ExitUsage
	}
	o.Now = nowFn
	if err := o.Validate(); err != nil {
		return usage("%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case o.PollInterval < minPoll:
		return usage("--poll %s: use at least %s (a shorter poll only hammers the AWS APIs)", o.PollInterval, minPoll)
	case *reqTimeout < minRequestTimeout:
		return usage("--request-timeout %s: use at least %s (below it every AWS call fails)", *reqTimeout, minRequestTimeout)
	case set["region"] && awsregion.Check(*region) != nil:
		return usage("--region: %v", awsregion.Check(*region))
	case set["aws-endpoint-url"]:
		if err := checkEndpointURL(*endpoint); err != nil {
			return usage("--aws-endpoint-url: %v", err)
		}
	}
	// The SDK reads its shared files with os.ReadFile: a FIFO would hold
	// it forever.
	if err := awsfiles.Check(); err != nil {
		return usage("AWS configuration: %v", err)
	}
	// The SDK's own lines (IMDS fallbacks) are debug logs: the message
	// below names the fix.
	opts := []func(*config.LoadOptions) error{awslog.Option(verbosity.Logger(stderr))}
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	if *profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(*profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return usage("load AWS configuration: %v", err)
	}
	if cfg.Region == "" {
		return usage("no AWS region: pass --region or set AWS_REGION")
	}
	if err := awsregion.Check(cfg.Region); err != nil {
		return usage("the configured region (AWS_REGION, or the profile's region): %v", err)
	}
	if cfg.BaseEndpoint != nil && *endpoint == "" {
		if err := checkEndpointURL(*cfg.BaseEndpoint); err != nil {
			return usage("AWS_ENDPOINT_URL (or the profile's endpoint_url): %v", err)
		}
	}
	cfg.APIOptions = append(cfg.APIOptions, sweep.RequestTimeout(*reqTimeout))
	// The credentials first: without them every listing would fail with
	// an error that names a service instead of the configuration.
	cctx, cancel := context.WithTimeout(ctx, *reqTimeout)
	_, err = cfg.Credentials.Retrieve(cctx)
	cancel()
	switch {
	case cmdline.Interrupted(ctx):
		fmt.Fprintln(stderr, "e2e-cleanup: interrupted before anything was listed or deleted")
		return cmdline.ExitInterrupted
	case err != nil:
		return usage("no AWS credentials (%v): set AWS_PROFILE or pass --profile, export AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`", err)
	}
	o.Region = cfg.Region
	clients := sweep.NewClients(cfg, *endpoint)

	plan, err := sweep.Discover(ctx, clients, o)
	if cmdline.Interrupted(ctx) {
		fmt.Fprintln(stderr, "e2e-cleanup: interrupted while listing: nothing was deleted")
		return cmdline.ExitInterrupted
	}
	if err != nil {
		fmt.Fprintf(stderr, "e2e-cleanup: %v\n", err)
		return cmdline.ExitFailed
	}
	if !*yes {
		return writePlan(stdout, *output, plan)
	}
	progress := func(oc sweep.Outcome) {
		fmt.Fprintf(stderr, "%-13s %s %s %s\n", oc.Status, oc.Kind, oc.ID, oc.Error)
	}
	outcomes, interrupted := sweep.Execute(ctx, clients, plan, o, progress)
	code := cmdline.ExitOK
	count := map[string]int{}
	for _, oc := range outcomes {
		count[oc.Status]++
	}
	switch {
	case interrupted:
		code = cmdline.ExitInterrupted
	case count[sweep.StatusFailed] > 0:
		code = cmdline.ExitFailed
	case count[sweep.StatusDeferred] > 0:
		code = exitHeld
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			SchemaVersion int             `json:"schema_version"`
			Interrupted   bool            `json:"interrupted"`
			Outcomes      []sweep.Outcome `json:"outcomes"`
			Kept          []sweep.Kept    `json:"kept"`
		}{1, interrupted, outcomes, plan.Keep})
		return code
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tKIND\tID\tERROR")
	for _, oc := range outcomes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", oc.Status, oc.Kind, oc.ID, oc.Error)
	}
	_ = tw.Flush()
	fmt.Fprintf(stdout, "%d deleted, %d already gone, %d deferred (still held), %d failed, %d not attempted; %d kept (run without --yes to see why)\n",
		count[sweep.StatusDeleted], count[sweep.StatusGone], count[sweep.StatusDeferred], count[sweep.StatusFailed], count[sweep.StatusSkipped], len(plan.Keep))
	if interrupted {
		fmt.Fprintln(stdout, "interrupted: stopped between two deletes; run it again to finish")
	}
	return code
}

func writePlan(w io.Writer, output cmdline.Output, p sweep.Plan) int {
	if output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			SchemaVersion int  `json:"schema_version"`
			DryRun        bool `json:"dry_run"`
			sweep.Plan
		}{1, true, p})
		return cmdline.ExitOK
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTION\tKIND\tID\tCREATED\tWHY")
	for _, r := range p.Delete {
		fmt.Fprintf(tw, "delete\t%s\t%s\t%s\t%s\n", r.Kind, r.ID, r.Created.Format(time.RFC3339), "e2e leftover")
	}
	for _, k := range p.Keep {
		created := "-"
		if !k.Created.IsZero() {
			created = k.Created.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "keep\t%s\t%s\t%s\t%s\n", k.Kind, k.ID, created, k.Reason)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "dry run: %d to delete, %d kept; pass --yes to delete\n", len(p.Delete), len(p.Keep))
	return cmdline.ExitOK
}

// checkEndpointURL accepts an http or https URL with a host, as the SDK
// needs it; anything else would fail every call with a resolver error.
func checkEndpointURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL with a host: pass one like http://127.0.0.1:4566", s)
	}
	return nil
}

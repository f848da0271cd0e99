package sweep

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mskvpce/mskvpce/internal/cmdline"
)

const usage = `e2e-cleanup removes what mskvpce end-to-end runs left in an AWS account.

It finds every resource tagged E2EPrefix=<prefix>… whose E2ECreatedAt tag is
older than --older-than, plus IAM roles named <prefix>…, and deletes them in
dependency order (Lambda, interface endpoints, endpoint services, NLBs, target
groups, MSK clusters, configurations, log groups, hosted zones, roles, security
groups, subnets, VPCs). Without --yes it only prints the plan.

Usage:
  go run ./cmd/e2e-cleanup [flags]

Examples:
  go run ./cmd/e2e-cleanup                               # dry run: what would go
  go run ./cmd/e2e-cleanup --older-than 4h --yes         # delete, wait for MSK
  go run ./cmd/e2e-cleanup --prefix e2e-ab12cd --older-than 1h --yes --output json

Exit codes:
  0  nothing failed (deferred deletes — something still depends on them — are retried by the next sweep)
  1  a delete failed
  2  bad flags or AWS configuration

Flags:
`

// nowFn is the sweeper's clock; tests pin it.
var nowFn = time.Now

// Run is the e2e-cleanup command.
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("e2e-cleanup", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), usage); fs.PrintDefaults() }
	var (
		o       Options
		region  = fs.String("region", "", "AWS region (default: from the SDK's configuration, e.g. AWS_REGION)")
		profile = fs.String("profile", "", "AWS shared-config profile")
		yes     = fs.Bool("yes", false, "delete; without it, only print the plan")
		output  = cmdline.OutputFlag(fs, "")
		// Not --endpoint: in verify and deploy that is a broker's NLB address.
		endpoint = fs.String("aws-endpoint-url", "", "`URL` for every AWS API call, e.g. a fake AWS in tests (the SDK's AWS_ENDPOINT_URL environment variable works too)")
	)
	fs.StringVar(&o.Prefix, "prefix", SafePrefix, "sweep one run (e2e-<id>, its E2EPrefix tag exactly) or every run ("+SafePrefix+")")
	fs.DurationVar(&o.OlderThan, "older-than", 4*time.Hour, "keep anything younger (at least 1h with --prefix "+SafePrefix+"; any, 0 included, for one run's own prefix)")
	fs.DurationVar(&o.WaitForClusters, "wait-clusters", 40*time.Minute, "with --yes: wait up to this long for deleted MSK clusters to be gone before deleting their network")
	if code, done := cmdline.Parse(fs, args, stdout, stderr, false); done {
		return code
	}
	o.Now = nowFn
	if err := o.Validate(); err != nil {
		fmt.Fprintf(stderr, "e2e-cleanup: %v\n", err)
		return cmdline.ExitUsage
	}
	var opts []func(*config.LoadOptions) error
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	if *profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(*profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "e2e-cleanup: load AWS configuration: %v\n", err)
		return cmdline.ExitUsage
	}
	if cfg.Region == "" {
		fmt.Fprintln(stderr, "e2e-cleanup: no AWS region: pass --region or set AWS_REGION")
		return cmdline.ExitUsage
	}
	clients := NewClients(cfg, *endpoint)

	plan, err := Discover(ctx, clients, o)
	if err != nil {
		fmt.Fprintf(stderr, "e2e-cleanup: %v\n", err)
		return cmdline.ExitFailed
	}
	if !*yes {
		return writePlan(stdout, *output, plan)
	}
	progress := func(oc Outcome) {
		fmt.Fprintf(stderr, "%-8s %s %s\n", oc.Status, oc.Kind, oc.ID)
	}
	// Deletes run under a context of their own: a Ctrl-C between two
	// deletes stops the sweep, but never aborts a call halfway.
	outcomes := Execute(context.WithoutCancel(ctx), clients, plan, o, progress)
	code := cmdline.ExitOK
	for _, oc := range outcomes {
		if oc.Status == "failed" {
			code = cmdline.ExitFailed
		}
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			SchemaVersion int       `json:"schema_version"`
			Outcomes      []Outcome `json:"outcomes"`
			Kept          []Kept    `json:"kept"`
		}{1, outcomes, plan.Keep})
		return code
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tKIND\tID\tERROR")
	for _, oc := range outcomes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", oc.Status, oc.Kind, oc.ID, oc.Error)
	}
	_ = tw.Flush()
	fmt.Fprintf(stdout, "%d kept (run without --yes to see why)\n", len(plan.Keep))
	return code
}

func writePlan(w io.Writer, output cmdline.Output, p Plan) int {
	if output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(struct {
			SchemaVersion int  `json:"schema_version"`
			DryRun        bool `json:"dry_run"`
			Plan
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

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mskvpce/mskvpce/internal/awslog"
	"github.com/mskvpce/mskvpce/internal/deploy"
)

// What runs before any Terraform work: the hints that repeat what the
// operator typed, the terminal check of commands that ask, the identity the
// plan will touch, and errors in the --output the operator asked for.

// prog is how the operator invoked deploy, for the commands hints print.
func (c *cli) prog() string {
	if c.env.Prog != "" {
		return c.env.Prog
	}
	return "deploy"
}

// selector picks this deployment again on the next command line: --name
// when the working directory is the default one for that name, else the
// --workdir (or MSKVPCE_WORKDIR) it is in.
func (c *cli) selector() string {
	if c.workdir != "" || c.wd.Dir != filepath.Join(c.stateBase(), c.settings.Name) {
		return "--workdir " + shellQuote(c.wd.Dir)
	}
	return "--name " + shellQuote(c.settings.Name)
}

// cmdline is the command to run next, as the operator would type it.
func (c *cli) cmdline(sub string) string {
	return c.prog() + " " + sub + " " + c.selector()
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// needTerminal refuses, before anything is read, written or run, a command
// that would ask for confirmation when nobody can answer.
func (c *cli) needTerminal() error {
	if c.yes || c.env.StdinTTY {
		return nil
	}
	return usagef("refusing to %s without confirmation: stdin is not a terminal; pass --yes to %s without asking (nothing was planned or changed)", c.cmd, c.cmd)
}

// errJSONWritten marks an error whose JSON document is already on stdout.
type errJSONWritten struct{ error }

func (e errJSONWritten) Unwrap() error { return e.error }

// writeJSONError is the error of a --output json run, on stdout where the
// result would have been (the same text also goes to stderr).
func writeJSONError(c *cli, code int, err error) {
	_ = json.NewEncoder(c.env.Stdout).Encode(map[string]any{
		"schema_version": 1,
		"error":          map[string]any{"command": c.cmd, "message": c.redact(err.Error()), "exit_code": code},
	})
}

// awsOverridden reports the directory TF_CLI_CONFIG_FILE's dev_overrides put
// hashicorp/aws in (e.g. the schema-only provider of `make plan-tools`):
// Terraform then makes no AWS call, so there is no identity to check.
func (c *cli) awsOverridden() (string, bool) {
	f := c.env.getenv("TF_CLI_CONFIG_FILE")
	if f == "" {
		return "", false
	}
	b, err := deploy.ReadRegularFile(context.Background(), f)
	if err != nil {
		return "", false
	}
	s := string(b)
	i := strings.Index(s, "dev_overrides")
	if i < 0 {
		return "", false
	}
	block := s[i:]
	if j := strings.Index(block, "}"); j >= 0 {
		block = block[:j]
	}
	for _, line := range strings.Split(block, "\n") {
		if strings.Contains(line, `hashicorp/aws"`) {
			if k := strings.Index(line, "="); k >= 0 {
				return strings.Trim(strings.TrimSpace(line[k+1:]), `"`), true
			}
		}
	}
	return "", false
}

// Identity is who the plan will act as.
type Identity struct {
	Account, ARN, Region, Profile string
}

// preflight shows the AWS identity (STS GetCallerIdentity) before any plan,
// so the operator sees which account the plan touches before typing yes.
func (c *cli) preflight(ctx context.Context) error {
	if c.cmd == "apply" {
		if err := c.refuseSchemaOnlyApply(); err != nil {
			return err
		}
	}
	if c.env.getenv("MSKVPCE_SKIP_IDENTITY_CHECK") != "" {
		return nil
	}
	if dir, ok := c.awsOverridden(); ok {
		fmt.Fprintf(c.env.Stderr, "note: AWS identity not checked: TF_CLI_CONFIG_FILE overrides hashicorp/aws with %s (offline planning; nothing reaches AWS)\n", dir)
		return nil
	}
	region, _ := c.merged["region"].(string)
	profile, _ := c.merged["aws_profile"].(string)
	id, err := callerIdentity(ctx, region, profile, c.log)
	if err != nil {
		return err
	}
	shown := id.Profile
	if shown == "" {
		shown = "(none: default credential chain)"
	}
	fmt.Fprintf(c.env.Stderr, "AWS identity: account %s, %s, region %s, profile %s\n", id.Account, id.ARN, id.Region, shown)
	return nil
}

func callerIdentity(ctx context.Context, region, profile string, log *slog.Logger) (Identity, error) {
	opts := []func(*config.LoadOptions) error{awslog.Option(log)}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	} else {
		profile = os.Getenv("AWS_PROFILE")
	}
	fix := "configure AWS credentials: pass --profile NAME (MSKVPCE_AWS_PROFILE) for a profile in ~/.aws/config (`aws sso login --profile NAME` if it is SSO), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; to plan offline without AWS see docs/testing.md (Planning offline)"
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return Identity{}, usagef("AWS credentials: %v\n%s", err, fix)
	}
	if region == "" {
		region = cfg.Region
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return Identity{}, usagef("no AWS credentials found (%v)\n%s", err, fix)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Identity{}, err
		}
		return Identity{}, usagef("AWS credentials were refused by STS GetCallerIdentity: %v\n%s", err, fix)
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), Region: region, Profile: profile}, nil
}

// terraformHint adds the fix to the errors whose Terraform text does not say it.
// (A state lock Terraform could not take is explained by tfrunner itself.)
func (c *cli) terraformHint(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "no such host") && strings.Contains(msg, "registry.terraform.io"):
		if _, ok := c.awsOverridden(); ok {
			break // the providers come from bin/; something else asked the registry
		}
		why := "TF_CLI_CONFIG_FILE is not set"
		if f := c.env.getenv("TF_CLI_CONFIG_FILE"); f != "" {
			why = "TF_CLI_CONFIG_FILE=" + f + " does not override the providers"
		}
		return fmt.Errorf("%w\nTerraform could not reach the provider registry and %s. Offline: `make plan-tools`, then put TF_CLI_CONFIG_FILE=$PWD/bin/terraformrc (from the repository root: the providers built in bin/) in front of this command only, not exported: it routes every terraform to the schema-only provider, which cannot apply; online: check the network or proxy", err, why)
	case c.env.getenv("MSKVPCE_SCHEMA_PROVIDER_DATA") == "" && strings.Contains(msg, "availability zones"):
		if _, ok := c.awsOverridden(); ok {
			return fmt.Errorf("%w\nThe schema-only AWS provider (TF_CLI_CONFIG_FILE) makes up data sources unless MSKVPCE_SCHEMA_PROVIDER_DATA names a fixture: export MSKVPCE_SCHEMA_PROVIDER_DATA=$PWD/tools/fixtures/data-sources.json from the repository root (3 AZs, 3 brokers)", err)
		}
	}
	return err
}

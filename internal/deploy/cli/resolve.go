package cli

// Which deployment a command means, and its inputs from every source.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/mskvpce/mskvpce/internal/deploy"
)

// stateBase is $XDG_STATE_HOME/mskvpce (default ~/.local/state/mskvpce).
func (c *cli) stateBase() string {
	base := c.env.getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "mskvpce")
}

// resolve finds the deployment, reads and validates every input source and
// decides this run's inputs, writing nothing: every refusal comes before
// the first write (prepare writes, under the deployment lock). needInputs
// demands the required inputs.
func (c *cli) resolve(ctx context.Context, needInputs bool) error {
	set := c.setFlags()
	src := deploy.InputSources{Flags: deploy.Values{}, Env: deploy.Values{}}
	for _, in := range deploy.Inputs {
		if set[in.Flag] {
			if in.Kind == deploy.KindList {
				var all []string
				for _, v := range *c.listVals[in.Var] {
					all = append(all, deploy.ParseValue(in, v).([]string)...)
				}
				src.Flags[in.Var] = all
			} else {
				src.Flags[in.Var] = deploy.ParseValue(in, *c.flagVals[in.Var])
			}
		}
		if v := c.env.getenv(in.Env()); v != "" {
			src.Env[in.Var] = deploy.ParseValue(in, v)
		}
	}
	// Check the values that win (a bad variable overridden by a flag is moot).
	early := deploy.MergeInputs(src)
	for _, k := range deploy.SortedKeys(early.ThisRun) {
		in, _ := deploy.LookupInput(k)
		if err := deploy.CheckValue(in, early.ThisRun[k], early.From[k]); err != nil {
			return err
		}
	}
	varFiles, err := absPaths(c.varFiles)
	if err != nil {
		return usagef("--var-file: %v", err)
	}
	fileVals := deploy.Values{} // this run's var files, merged: for the prefix below
	for _, f := range varFiles {
		v, err := deploy.ReadVarFile(ctx, f)
		if err != nil {
			return err
		}
		for _, k := range deploy.SortedKeys(v) {
			in, _ := deploy.LookupInput(k)
			if err := deploy.CheckValue(in, v[k], f); err != nil {
				return err
			}
			fileVals[k] = v[k]
		}
		src.VarFiles = append(src.VarFiles, v)
	}

	// Which deployment: --name, MSKVPCE_NAME, the prefix, or the only one there is.
	name := c.name
	if name == "" {
		name = c.env.getenv("MSKVPCE_NAME")
	}
	if name == "" {
		if p, ok := early.ThisRun["prefix"].(string); ok {
			name = p
		} else if p, ok := fileVals["prefix"].(string); ok {
			name = p
		}
	}
	wdPath := c.workdir
	if wdPath == "" {
		wdPath = c.env.getenv("MSKVPCE_WORKDIR")
	}
	if wdPath == "" {
		if name == "" {
			existing := c.deployments()
			switch len(existing) {
			case 1:
				name = existing[0]
			case 0:
				switch c.cmd {
				case "plan", "apply", "init":
					return usagef("no deployment yet: pass --prefix (and the other inputs, see `%s help %s`) to create one, or --name", c.prog(), c.cmd)
				}
				// A command that reads a deployment: nothing to read yet.
				return usagef("there is no deployment yet (none in %s): create one with `%s apply --prefix NAME` and the inputs (see `%s help apply`)", c.stateBase(), c.prog(), c.prog())
			default:
				return usagef("several deployments exist (%s): pass --name to pick one", strings.Join(existing, ", "))
			}
		}
		if !reName.MatchString(name) {
			return usagef("--name %q: use letters, digits, '.', '_' and '-' only", name)
		}
		wdPath = filepath.Join(c.stateBase(), name)
	}
	wdPath, err = filepath.Abs(wdPath)
	if err != nil {
		return usagef("--workdir: %v", err)
	}
	switch st, err := os.Stat(wdPath); {
	case err == nil && !st.IsDir():
		return usagef("working directory %s is a file, not a directory: pass --workdir with a directory (created when missing)", wdPath)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return usagef("working directory %s: %v (pass --workdir with a directory)", wdPath, err)
	case err == nil:
		// deploy keeps state and secrets there: never in a directory of
		// someone else's files (a home directory, /proc/self).
		owned, err := deploy.Owned(wdPath)
		if err != nil {
			return usagef("working directory %s: %v (pass --workdir with a directory you own)", wdPath, err)
		}
		if !owned {
			return usagef("working directory %s is not empty and holds no deployment (no %s): pass --workdir with a new or empty directory, or the one an earlier run used", wdPath, deploy.SettingsName)
		}
	}
	if c.caFile != "" {
		if err := deploy.CheckRegularFile(c.caFile); err != nil {
			return usagef("--ca-file: %v (pass the PEM file of the CA)", err)
		}
	}
	c.wd = deploy.Workdir{Dir: wdPath, Root: c.root()}
	if c.existing {
		if _, err := os.Stat(c.wd.SettingsFile()); err != nil {
			return c.noDeployment(name)
		}
	}

	if err := c.loadSettings(ctx); err != nil {
		return err
	}
	if c.settings.Name == "" {
		c.settings.Name = name
		if c.settings.Name == "" {
			c.settings.Name = filepath.Base(wdPath)
		}
	}
	if len(varFiles) > 0 {
		c.settings.VarFiles = varFiles
	} else {
		for _, f := range c.settings.VarFiles {
			v, err := deploy.ReadVarFile(ctx, f)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				return fmt.Errorf("%w (recorded in %s from an earlier --var-file; pass --var-file again to replace it)", err, c.wd.SettingsFile())
			}
			for _, k := range deploy.SortedKeys(v) {
				in, _ := deploy.LookupInput(k)
				if err := deploy.CheckValue(in, v[k], f); err != nil {
					return fmt.Errorf("%w (remembered from an earlier --var-file; fix the file or pass --var-file again)", err)
				}
			}
			src.RememberedVarFiles = append(src.RememberedVarFiles, v)
		}
	}
	if err := c.resolveBackend(ctx, set); err != nil {
		return err
	}

	c.recorded, err = deploy.ReadValues(ctx, c.wd.InputsFile())
	if err != nil {
		return err
	}
	for _, k := range deploy.SortedKeys(c.recorded) {
		in, _ := deploy.LookupInput(k)
		if err := deploy.CheckValue(in, c.recorded[k], c.wd.InputsFile()); err != nil {
			return fmt.Errorf("%w (recorded earlier; pass --%s to replace it)", err, in.Flag)
		}
	}
	src.Recorded = c.recorded
	res := deploy.MergeInputs(src)
	c.thisRun, c.merged = res.ThisRun, res.Merged
	if err := c.chooseRoot(res); err != nil {
		return err
	}
	for _, v := range []deploy.Values{c.recorded, c.thisRun, c.merged} {
		for _, in := range deploy.Inputs {
			if s, ok := v[in.Var].(string); ok && in.Secret {
				c.secrets.Add(s)
			}
		}
	}
	if c.databricks() && !c.noted {
		c.noted = true
		if _, ok := c.merged["databricks_external_id"]; ok {
			fmt.Fprintln(c.env.Stderr, "note: --external-id is unnecessary with --databricks: the service credential this apply creates supplies its external ID to the role's trust policy in the same apply; drop --external-id (and MSKVPCE_DATABRICKS_EXTERNAL_ID / databricks_external_id)")
		}
	}
	if needInputs {
		c.defaultPrincipal()
		var missing []string
		for _, in := range deploy.Inputs {
			required := in.Required || (c.databricks() && (in.Var == "databricks_account_id" || in.Var == "databricks_workspace_host"))
			if !required || !in.ForRoot(c.wd.Root) {
				continue
			}
			if v, ok := c.merged[in.Var]; !ok || v == nil {
				hint := in.Help
				if in.Var == "allowed_principals" {
					hint = "no default outside the commercial AWS partition: pass Databricks' private-connectivity role for your region"
				}
				missing = append(missing, fmt.Sprintf("  %s: --%s, %s, or %s in a --var-file (%s)", in.Var, in.Flag, in.Env(), in.Var, hint))
			}
		}
		if len(missing) > 0 {
			return usagef("missing inputs:\n%s", strings.Join(missing, "\n"))
		}
		// The example's own rule, said before Terraform runs: a workspace has
		// one NCC, and binding a new one detaches the current one and its rules.
		_, ws := c.merged["databricks_workspace_id"]
		_, ncc := c.merged["databricks_ncc_id"]
		bind, _ := c.merged["databricks_bind_new_ncc_to_workspace"].(bool)
		if c.databricks() && ws && c.merged["databricks_workspace_id"] != nil && (!ncc || c.merged["databricks_ncc_id"] == nil) && !bind {
			return usagef("--databricks-workspace-id without --databricks-ncc-id would bind a new NCC to the workspace, detaching its current NCC and all that NCC's private endpoint rules (a workspace has one NCC; destroy does not restore it): pass the workspace's NCC as --databricks-ncc-id <uuid> (account console → Security → Networking → Network connectivity configurations), or --databricks-bind-new-ncc if the workspace has none to keep")
		}
	}
	return nil
}

// chooseRoot decides the root module: the one deployment.json records for
// an existing deployment, else examples/existing-cluster when a cluster ARN
// is given and examples/complete when none is. Inputs of the other root
// are refused, never ignored: a greenfield deployment does not start
// fronting another cluster, nor an existing-cluster deployment start
// creating one.
func (c *cli) chooseRoot(res deploy.ResolvedInputs) error {
	where := func(k string) string {
		in, _ := deploy.LookupInput(k)
		switch res.From[k] {
		case "flag":
			return "--" + in.Flag
		case "env":
			return in.Env()
		case "recorded":
			return k + " recorded in " + c.wd.InputsFile()
		}
		return k + " in a var file"
	}
	arn, _ := c.merged["cluster_arn"].(string)
	root := deploy.RootComplete
	if c.settingsFound {
		root = c.settings.RootModule()
	} else if arn != "" {
		root = deploy.RootExisting
	}
	name := c.settings.Name
	switch root {
	case deploy.RootComplete:
		if arn != "" {
			return usagef("deployment %s creates its own MSK cluster (%s); %s is for a deployment that fronts an existing cluster: give that one its own --name (or --prefix), or drop %s", name, deploy.RootComplete, where("cluster_arn"), where("cluster_arn"))
		}
	case deploy.RootExisting:
		fronts := c.settings.ClusterARN
		if fronts == "" {
			fronts = arn
		}
		for _, in := range deploy.Inputs {
			if v, ok := c.merged[in.Var]; ok && v != nil && !in.ForRoot(root) {
				return usagef("%s is for a deployment that creates its cluster; deployment %s fronts the existing cluster %s (%s), whose network and brokers stay as they are: drop %s", where(in.Var), name, fronts, deploy.RootExisting, where(in.Var))
			}
		}
		if c.settingsFound {
			if arn != "" && arn != c.settings.ClusterARN {
				return usagef("deployment %s fronts %s; %s names another cluster (%s): a deployment fronts one cluster for its whole life; give the other one its own --name (or --prefix), or drop %s", name, c.settings.ClusterARN, where("cluster_arn"), arn, where("cluster_arn"))
			}
			if arn == "" {
				// Terraform needs it on every plan: what deployment.json recorded.
				c.merged["cluster_arn"], c.thisRun["cluster_arn"] = c.settings.ClusterARN, c.settings.ClusterARN
			}
		} else {
			c.settings.Root, c.settings.ClusterARN = deploy.RootExisting, arn
		}
	}
	c.wd.Root = root
	return nil
}

// existingCluster reports whether the deployment fronts a cluster that
// exists (examples/existing-cluster).
func (c *cli) existingCluster() bool { return c.wd.Root == deploy.RootExisting }

// databricks reports whether the Databricks side is enabled.
func (c *cli) databricks() bool {
	b, _ := c.merged["enable_databricks"].(bool)
	return b
}

// defaultPrincipal fills allowed_principals, when no source gives it, with
// Databricks' serverless principal for the region (commercial AWS only), and
// records it like an input so later runs and Terraform by hand see the same.
func (c *cli) defaultPrincipal() {
	if v, ok := c.merged["allowed_principals"]; ok && v != nil {
		return
	}
	region, _ := c.merged["region"].(string)
	arn, ok := deploy.DefaultAllowedPrincipal(region)
	if !ok {
		return
	}
	c.merged["allowed_principals"] = []string{arn}
	c.thisRun["allowed_principals"] = []string{arn}
	if c.notedPrincipal {
		return
	}
	c.notedPrincipal = true
	fmt.Fprintf(c.env.Stderr, "note: allowed_principals defaults to Databricks serverless in %s: %s (pass --allowed-principal to change it)\n", region, arn)
}

var reName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// noDeployment is the error of a command that needs an existing deployment.
func (c *cli) noDeployment(name string) error {
	if c.workdir != "" || c.env.getenv("MSKVPCE_WORKDIR") != "" {
		return usagef("no deployment in %s (it has no %s): pass the --workdir an earlier plan or apply used", c.wd.Dir, deploy.SettingsName)
	}
	known := c.deployments()
	list := "there are none yet: create one with `" + c.prog() + " apply` and the inputs (see `" + c.prog() + " help`)"
	if len(known) > 0 {
		list = "known deployments: " + strings.Join(known, ", ")
	}
	return usagef("no deployment named %s in %s; %s", name, c.stateBase(), list)
}

// deployments lists the deployments under the state directory.
func (c *cli) deployments() []string {
	entries, err := os.ReadDir(c.stateBase())
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(c.stateBase(), e.Name(), deploy.SettingsName)); err == nil {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func absPaths(ps []string) ([]string, error) {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		a, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

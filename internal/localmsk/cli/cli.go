// Package cli is the localmsk command: it checks every flag, starts the
// local MSK-like environment (package localmsk), prints how to reach it and
// runs until Ctrl-C.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/mskvpce/mskvpce/internal/awsregion"
	"github.com/mskvpce/mskvpce/internal/cmdline"
	"github.com/mskvpce/mskvpce/internal/inputfile"
	"github.com/mskvpce/mskvpce/internal/localmsk"
	"github.com/mskvpce/mskvpce/internal/localmsk/awsapi"
	"github.com/mskvpce/mskvpce/internal/localmsk/fault"
	"github.com/mskvpce/mskvpce/internal/mskauthz"
)

// Exit codes of Run.
const (
	ExitOK    = cmdline.ExitOK     // stopped by Ctrl-C / context cancellation
	ExitStart = cmdline.ExitFailed // the environment failed to start
	ExitUsage = cmdline.ExitUsage  // bad flags
	// ExitInterrupted: SIGINT or SIGTERM before the environment was up.
	ExitInterrupted = cmdline.ExitInterrupted
)

// maxPolicyFile bounds --policy: IAM's own limit is 10 KiB per policy.
const maxPolicyFile = 1 << 20

const usage = `localmsk runs a local MSK-like environment: %[1]d Kafka brokers (kfake)
behind TLS fronts that speak SASL/IAM exactly like MSK's port 9098 listener
(OAUTHBEARER and AWS_MSK_IAM tokens, verified offline with SigV4), authorize
every request against an IAM policy like MSK IAM access control, and sit
behind one NLB stand-in (a TCP forwarder) per broker.

Brokers advertise MSK-style hostnames (b-<id>.<cluster>.<id>.c2.kafka.<region>
.amazonaws.com:9098). A client reaches broker <id> by dialing that broker's
NLB stand-in and verifying TLS for the advertised hostname against the
printed CA, which is what a VPC endpoint plus private DNS gives it in AWS.

With --stock-clients each NLB stand-in listens on its own loopback address
at port 9098 (127.0.N.<id>:9098), so that hosts-file lines mapping each
hostname to its address are all an unmodified client needs (Kafka's Java
tools with aws-msk-iam-auth, Spark, librdkafka with a token callback; not
kcat, which cannot sign MSK's IAM token); localmsk prints them
and writes them, with client.properties (Java, AWS_MSK_IAM) and
librdkafka.properties (OAUTHBEARER), into the directory. It never edits
/etc/hosts.

It prints what a client needs (bootstrap, hostname -> NLB address, CA file,
region, temporary credentials, the enforced policy), writes the same as JSON
to <dir>/info.json, and runs until Ctrl-C.

By default the principal gets the policy terraform/modules/msk-access-policy
renders for the local cluster ARN, so a passing local run proves that exact
policy is enough to produce and consume.

Usage:
  go run ./cmd/localmsk [flags]

Examples:
  go run ./cmd/localmsk --dir .localmsk
  go run ./cmd/verify --local-info .localmsk/info.json     # in another shell
  go run ./cmd/localmsk --nlb-down 2                       # path 2 refuses connections
  go run ./cmd/localmsk --route-nlb 1:2 --latency 3:200ms  # miswired NLB, slow path
  go run ./cmd/localmsk --rolling-restart 30s              # an MSK update: brokers restart in turn
  go run ./cmd/localmsk --replace-broker 2                 # broker 2 at a new IP, its NLB on the old one
  go run ./cmd/localmsk --control-plane                    # also serve the cluster's MSK APIs (AWS_ENDPOINT_URL)
  go run ./cmd/localmsk --policy my-policy.json            # enforce another policy
  go run ./cmd/localmsk --dir .localmsk --stock-clients    # for unmodified clients (hosts file)
  go run ./cmd/localmsk --kafka-version 4.1.x              # speak Kafka 4.1's API versions

Faults (the "fault:" flags below) take what verify --local --local-fault
NAME=VALUE takes: --nlb-down 2 here is --local-fault nlb-down=2 there; IDS is a
comma-separated list of broker ids, pairs are ID:VALUE (--route-nlb 1:2).

Exit codes:
  0    stopped with Ctrl-C (or SIGTERM) once it was up
  1    the environment could not start (port or policy problem)
  2    bad flags (a --dir that is a link, a file or another user's included),
       or another localmsk is running on --dir (its files are left alone)
  130  interrupted (SIGINT/SIGTERM) before the environment was up; nothing is left running

Flags:
`

// Run is cmd/localmsk: start the environment, print how to reach it, and
// wait for ctx to end.
func Run(ctx context.Context, stdout, stderr io.Writer, args []string) int {
	fs := flag.NewFlagSet("localmsk", flag.ContinueOnError)
	var (
		o         localmsk.Options
		policy    = fs.String("policy", "", "IAM policy `file` to enforce instead of the Terraform module's rendering")
		output    = cmdline.OutputFlag(fs, "`FORMAT` of what to print on stdout: text, or json (the info.json document)")
		verbosity = cmdline.VerbosityFlags(fs, slog.LevelInfo)
		ctrlPlane = fs.Bool("control-plane", false, "also serve this cluster's AWS APIs (MSK DescribeClusterV2, GetBootstrapBrokers, ListNodes) at a local URL, control_plane_url in info.json: point the AWS SDK or CLI at it with AWS_ENDPOINT_URL")
		faults    fault.Set
		hostsFile = fs.String("hosts-file", "", "with --stock-clients: also write the hosts-file lines to this `file` (never the system's /etc/hosts)")
	)
	fs.IntVar(&o.Brokers, "brokers", localmsk.DefaultBrokers, "number of brokers")
	fs.StringVar(&o.ClusterName, "cluster-name", localmsk.DefaultClusterName, "cluster name (part of the ARN and hostnames)")
	fs.StringVar(&o.Region, "region", localmsk.DefaultRegion, "AWS region the cluster pretends to be in")
	fs.StringVar(&o.Account, "account", localmsk.DefaultAccount, "AWS account ID in the cluster ARN")
	fs.StringVar(&o.Dir, "dir", "", "`directory` for ca.pem and info.json (default: a temporary directory removed on exit); one running environment per directory, yours and not a symbolic link (created 0700; info.json, which holds the credentials, is 0600)")
	fs.StringVar(&o.Topic, "topic", localmsk.DefaultTopic, "verification topic, one partition per broker, partition i led by broker i+1")
	fs.StringVar(&o.KafkaVersion, "kafka-version", localmsk.DefaultKafkaVersion, "MSK Kafka `version` whose API versions the brokers advertise and accept: "+strings.Join(localmsk.KafkaVersions(), ", "))
	fs.DurationVar(&o.MaxSessionLifetime, "max-session", localmsk.DefaultMaxSessionLifetime, "cap on session_lifetime_ms (KIP-368 re-authentication)")
	fs.BoolVar(&o.StockClients, "stock-clients", false, "stock-client mode: NLB stand-in i listens on 127.0.N.i:9098, so a hosts file is all an unmodified client (Java, Spark, librdkafka with a token callback; not kcat) needs (Linux)")
	fs.IntVar(&o.LoopbackNet, "loopback-net", 0, "with --stock-clients: the `N` of 127.0.N.i (default: the first of 16..254 that is free)")
	faults.Flags(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), usage, localmsk.DefaultBrokers)
		cmdline.PrintDefaults(fs)
	}
	if code, done := cmdline.Parse(fs, args, stdout, stderr, false); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "localmsk: "+format+"\nRun `localmsk --help` for usage.\n", a...)
		return ExitUsage
	}
	o.Logger = verbosity.Logger(stderr)
	o.Command = "go run ./cmd/localmsk " + strings.Join(quoteArgs(args), " ")

	// Every flag is checked before anything is written: a bad flag must
	// not disturb an environment already running on the same --dir.
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case o.Brokers < 1 || o.Brokers > 30:
		return usageErr("--brokers %d: use 1 to 30 (MSK's own limit per cluster)", o.Brokers)
	case o.MaxSessionLifetime <= 0:
		return usageErr("--max-session %s: use a positive duration (e.g. 1h)", o.MaxSessionLifetime)
	case set["loopback-net"] && !o.StockClients:
		return usageErr("--loopback-net applies to --stock-clients only: add --stock-clients")
	case *hostsFile != "" && !o.StockClients:
		return usageErr("--hosts-file applies to --stock-clients only (random ports cannot be put in a hosts file): add --stock-clients")
	case set["loopback-net"] && o.LoopbackNet == 0:
		return usageErr("--loopback-net 0: use 1 to 254 (127.0.N.<broker id>), or drop the flag to take the first free N of 16..254")
	case set["dir"] && o.Dir == "":
		return usageErr("--dir '' names no directory: name one (created if missing), or drop --dir for a temporary one")
	case set["dir"] && (strings.TrimSpace(o.Dir) != o.Dir || strings.ContainsFunc(o.Dir, isControl)):
		return usageErr("--dir %q: leading or trailing blanks or control characters in a directory name are almost always a quoting mistake: name the directory plainly", o.Dir)
	case set["hosts-file"] && *hostsFile == "":
		return usageErr("--hosts-file '' names no file: name one, or drop the flag (the lines are in <dir>/%s too)", localmsk.HostsFileName)
	}
	if o.Dir != "" {
		if err := localmsk.CheckDir(o.Dir); err != nil {
			return usageErr("--dir %v", err)
		}
	}
	if err := awsregion.Check(o.Region); err != nil {
		return usageErr("--region: %v (the region of the brokers' hostnames, ARNs and SigV4 signatures)", err)
	}
	if err := localmsk.ValidateTopic(o.Topic); err != nil {
		return usageErr("--topic: %v", err)
	}
	if *hostsFile != "" {
		if err := checkHostsFile(*hostsFile); err != nil {
			return usageErr("--hosts-file: %v", err)
		}
	}
	// Each flag alone (the others at their defaults), so that the message
	// names the flag; then all together.
	for _, f := range []struct {
		flag string
		o    localmsk.Options
	}{
		{"--kafka-version", localmsk.Options{KafkaVersion: o.KafkaVersion}},
		{"--account", localmsk.Options{Account: o.Account}},
		{"--cluster-name", localmsk.Options{ClusterName: o.ClusterName}},
		{"--region", localmsk.Options{Region: o.Region}},
	} {
		if err := f.o.Validate(); err != nil {
			return usageErr("%s: %v", f.flag, err)
		}
	}
	if err := o.Validate(); err != nil {
		return usageErr("%v", err)
	}
	if err := faults.FromFlags(); err != nil {
		return usageErr("%v", err)
	}
	if err := faults.Check(o.Brokers); err != nil {
		return usageErr("%v", err)
	}
	for _, n := range faults.Notices {
		fmt.Fprintln(stderr, cmdline.OldSpellingNotice("localmsk", n[0], n[1]))
	}
	if set["policy"] && *policy == "" {
		return usageErr("--policy '' names no file: name an IAM policy JSON file, or drop the flag for the Terraform module's policy")
	}
	if *policy != "" {
		var err error
		if o.Policy, err = inputfile.Read(ctx, *policy, maxPolicyFile); err != nil {
			if cmdline.Interrupted(ctx) {
				return ExitInterrupted
			}
			return usageErr("--policy %v", err)
		}
		p, err := mskauthz.ParsePolicy(o.Policy)
		if err != nil {
			return usageErr("--policy %s: %v", *policy, err)
		}
		if unknown := p.UnknownActions(); len(unknown) > 0 {
			fmt.Fprintf(stderr, "localmsk: warning: --policy %s names actions MSK does not define, which grant nothing: %s (MSK's are %s)\n",
				*policy, strings.Join(unknown, ", "), strings.Join(mskauthz.Actions, ", "))
		}
	}

	start := time.Now()
	e, err := localmsk.Start(ctx, o)
	if err != nil {
		if cmdline.Interrupted(ctx) {
			fmt.Fprintln(stderr, "localmsk: interrupted while starting; nothing left running")
			return ExitInterrupted
		}
		fmt.Fprintf(stderr, "localmsk: %v\n", err)
		var busy *localmsk.RunningError
		if errors.As(err, &busy) {
			return ExitUsage
		}
		return ExitStart
	}
	defer e.Close()
	injected, err := faults.Apply(e)
	if err != nil {
		fmt.Fprintf(stderr, "localmsk: %v\n", err)
		return ExitStart
	}
	if *ctrlPlane {
		srv, err := awsapi.Serve(e)
		if err != nil {
			fmt.Fprintf(stderr, "localmsk: --control-plane: %v\n", err)
			return ExitStart
		}
		defer srv.Close()
	}
	if *hostsFile != "" {
		if err := e.WriteHostsFile(*hostsFile); err != nil {
			fmt.Fprintf(stderr, "localmsk: --hosts-file: %v\n", err)
			return ExitStart
		}
	}
	info := e.Info()
	infoPath := filepath.Join(filepath.Dir(info.CAFile), "info.json")
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(info)
	} else {
		writeText(stdout, info, infoPath, injected, time.Since(start), o.Dir == "")
	}
	<-ctx.Done()
	fmt.Fprintln(stderr, "localmsk: stopping")
	return ExitOK
}

func writeText(w io.Writer, info localmsk.Info, infoPath string, faults []string, took time.Duration, temp bool) {
	fmt.Fprintf(w, "Local MSK-like environment up in %s: %d brokers speaking Kafka %s, cluster %s (%s)\n\n", took.Round(time.Millisecond), len(info.Brokers), info.KafkaVersion, info.ClusterName, info.Region)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  cluster ARN\t%s\n", info.ClusterARN)
	fmt.Fprintf(tw, "  bootstrap\t%s\n", info.BootstrapBrokersSASLIAM)
	fmt.Fprintf(tw, "  CA file\t%s\n", info.CAFile)
	note := ""
	if temp {
		note = "  (temporary: removed on exit; use --dir to keep it)"
	}
	fmt.Fprintf(tw, "  info.json\t%s%s\n", infoPath, note)
	if info.ControlPlaneURL != "" {
		fmt.Fprintf(tw, "  AWS control plane\t%s  (MSK DescribeClusterV2, GetBootstrapBrokers, ListNodes: AWS_ENDPOINT_URL=%s aws kafka list-nodes --cluster-arn ...)\n", info.ControlPlaneURL, info.ControlPlaneURL)
	}
	fmt.Fprintf(tw, "  topic\t%s (partition i led by broker i+1)\n", info.VerificationTopic)
	tw.Flush()
	fmt.Fprintf(w, "\nEach advertised host:9098 is reached through its NLB stand-in (verify TLS for the hostname); an NLB\ntargets a broker's client IP in the modelled VPC %s, which maps to its TLS front on this machine:\n", localmsk.ClientVPCCIDR)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  broker\thostname:9098\tNLB stand-in\tNLB target\tclient IP\tTLS front (direct)\n")
	for _, b := range info.Brokers {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\n", b.BrokerID, b.Advertised(), b.Endpoint, b.NLBTarget, b.ClientIP, b.BrokerAddr)
	}
	tw.Flush()
	if info.StockClients {
		dir := filepath.Dir(infoPath)
		fmt.Fprintf(w, "\nStock-client mode: resolve each hostname to its NLB stand-in, e.g. add these lines to /etc/hosts\n(also in %s):\n", filepath.Join(dir, localmsk.HostsFileName))
		for _, l := range strings.SplitAfter(strings.TrimSuffix(info.HostsLines(), "\n"), "\n") {
			fmt.Fprintf(w, "  %s", l)
		}
		fmt.Fprintf(w, "\nClient settings: %s (Java, Spark: AWS_MSK_IAM), %s (librdkafka: OAUTHBEARER)\n",
			filepath.Join(dir, localmsk.JavaPropertiesFileName), filepath.Join(dir, localmsk.LibrdkafkaPropertiesName))
	}
	fmt.Fprintf(w, "\nTemporary credentials the brokers accept (principal %s):\n", info.PrincipalARN)
	fmt.Fprintf(w, "  export AWS_REGION=%s\n  export AWS_ACCESS_KEY_ID=%s\n  export AWS_SECRET_ACCESS_KEY=%s\n  export AWS_SESSION_TOKEN=%s\n",
		info.Region, info.Credentials.AccessKeyID, info.Credentials.SecretAccessKey, info.Credentials.SessionToken)
	fmt.Fprintf(w, "\nIAM policy enforced for that principal:\n  %s\n", info.PolicyJSON)
	if len(faults) > 0 {
		fmt.Fprintf(w, "\nFaults injected:\n")
		for _, f := range faults {
			fmt.Fprintf(w, "  - %s\n", f)
		}
	}
	fmt.Fprintf(w, "\nNext: go run ./cmd/verify --local-info %s\nPress Ctrl-C to stop.\n", infoPath)
}

// systemHostsFile is the resolver's hosts file, which localmsk never writes.
var systemHostsFile = "/etc/hosts"

// checkHostsFile refuses the system's hosts file (or a link to it): its
// other lines are not localmsk's to replace; and, so that a bad path fails
// before the environment writes anything, a path whose directory is
// missing or not writable, or that is not a regular file.
func checkHostsFile(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	real := abs
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		real = r
	}
	sys := systemHostsFile
	if r, err := filepath.EvalSymlinks(sys); err == nil {
		sys = r
	}
	if real == sys {
		return fmt.Errorf("%s is the system hosts file, which localmsk never edits: name another file and append its lines yourself (sudo tee -a /etc/hosts < FILE)", path)
	}
	if fi, err := os.Lstat(abs); err == nil {
		switch {
		case fi.IsDir():
			return fmt.Errorf("%s is a directory: name a file", path)
		case fi.Mode()&os.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link: name the file itself (localmsk replaces the file, it does not write through links)", path)
		case !fi.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file (%s): name a file", path, fi.Mode().Type())
		}
	}
	dir := filepath.Dir(abs)
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("%s: its directory %s: %v: create it first or name a file in an existing directory", path, dir, unwrapPathError(err))
	case !fi.IsDir():
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	if err := syscall.Access(dir, 2 /* W_OK */); err != nil {
		return fmt.Errorf("%s: its directory %s is not writable: %v", path, dir, err)
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// quoteArgs quotes the arguments a shell would split, for info.json's command.
func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}

// Package heallambda is the broker healer's scheduled Lambda (cmd/heal-lambda,
// terraform/modules/broker-healer): its configuration, which the module sets
// in the function's environment, the handler that runs the reconciler
// (internal/heal) with changes allowed, and its CloudWatch metrics — Heals,
// Refusals, HealFailures and TimeToHealthy — as embedded metric format
// lines on stdout, as internal/canary writes the canary's.
//
// The handler takes nothing from its event: what to heal, and where, is the
// module's configuration, never an invoker's.
package heallambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mskvpce/mskvpce/internal/heal"
)

// Environment variables the module sets on the function.
const (
	EnvClusterARN     = "MSKVPCE_HEAL_CLUSTER_ARN"
	EnvPaths          = "MSKVPCE_HEAL_PATHS"
	EnvNamespace      = "MSKVPCE_HEAL_NAMESPACE"
	EnvName           = "MSKVPCE_HEAL_NAME"
	EnvHealthyTimeout = "MSKVPCE_HEAL_HEALTHY_TIMEOUT_SECONDS"
)

// Metric and dimension names; the module's alarms use the same.
const (
	MetricHeals         = "Heals"
	MetricRefusals      = "Refusals"
	MetricHealFailures  = "HealFailures"
	MetricTimeToHealthy = "TimeToHealthy"
	DimensionHealer     = "Healer"
)

// Paths is the compact form of the broker paths in EnvPaths. Lambda allows
// 4 KB for all of a function's environment, and 30 brokers' full target
// group ARNs and hostnames alone would take ~5 KB, so what every path shares
// is said once: the target group ARN prefix (partition, region, account)
// and the hostnames' domain (the cluster's). Per broker id it keeps
// [target group "name/id", hostname's first label]. The module writes it
// with jsonencode.
type Paths struct {
	ARNPrefix string              `json:"arn_prefix"`
	Domain    string              `json:"domain"`
	Brokers   map[string][]string `json:"brokers"`
}

var arnPrefixRe = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/$`)

// EncodePaths is the compact form of paths; they must share the prefix and domain.
func EncodePaths(paths []heal.Path) (Paths, error) {
	if len(paths) == 0 {
		return Paths{}, errors.New("no broker paths")
	}
	first := paths[0]
	i := strings.Index(first.TargetGroupARN, ":targetgroup/")
	dot := strings.IndexByte(first.Hostname, '.')
	if i < 0 || dot < 0 {
		return Paths{}, fmt.Errorf("broker %d: %q is not a target group ARN or %q has no domain", first.BrokerID, first.TargetGroupARN, first.Hostname)
	}
	p := Paths{ARNPrefix: first.TargetGroupARN[:i+len(":targetgroup/")], Domain: strings.ToLower(first.Hostname[dot+1:]), Brokers: map[string][]string{}}
	for _, b := range paths {
		host := strings.ToLower(b.Hostname)
		if !strings.HasPrefix(b.TargetGroupARN, p.ARNPrefix) || !strings.HasSuffix(host, "."+p.Domain) {
			return Paths{}, fmt.Errorf("broker %d: %s and %s do not share the first broker's target group ARN prefix %s and domain %s", b.BrokerID, b.TargetGroupARN, b.Hostname, p.ARNPrefix, p.Domain)
		}
		p.Brokers[strconv.Itoa(b.BrokerID)] = []string{strings.TrimPrefix(b.TargetGroupARN, p.ARNPrefix), strings.TrimSuffix(host, "."+p.Domain)}
	}
	return p, nil
}

// Decode expands the compact form into paths, sorted by broker id.
func (p Paths) Decode() ([]heal.Path, error) {
	if !arnPrefixRe.MatchString(p.ARNPrefix) {
		return nil, fmt.Errorf("arn_prefix %q is not a target group ARN prefix (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/)", p.ARNPrefix)
	}
	if p.Domain == "" || len(p.Brokers) == 0 {
		return nil, errors.New("no domain or no brokers")
	}
	var out []heal.Path
	for id, v := range p.Brokers {
		n, err := strconv.Atoi(id)
		if err != nil || n <= 0 || strconv.Itoa(n) != id {
			return nil, fmt.Errorf("broker id %q is not a positive number as MSK numbers brokers", id)
		}
		if len(v) != 2 || v[0] == "" || v[1] == "" {
			return nil, fmt.Errorf("broker %s: want [target group name/id, hostname label], got %q", id, v)
		}
		out = append(out, heal.Path{BrokerID: n, TargetGroupARN: p.ARNPrefix + v[0], Hostname: v[1] + "." + p.Domain})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].BrokerID < out[j].BrokerID })
	return out, nil
}

// Config is the function's configuration.
type Config struct {
	Spec      heal.Spec
	Namespace string
	Name      string
	// Region is the function's (AWS_REGION, set by Lambda), for the
	// commands its report suggests.
	Region string
	// HealthyTimeout bounds the wait for a new target; the invocation's
	// deadline bounds it further.
	HealthyTimeout time.Duration
}

// ConfigFromEnv reads the Config the module set on the function.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Spec: heal.Spec{ClusterARN: getenv(EnvClusterARN)}, Namespace: getenv(EnvNamespace), Name: getenv(EnvName), Region: getenv("AWS_REGION")}
	var errs []error
	fix := "deploy the function with terraform/modules/broker-healer, which sets it"
	var p Paths
	if err := json.Unmarshal([]byte(getenv(EnvPaths)), &p); err != nil {
		errs = append(errs, fmt.Errorf("%s: not the module's JSON (%v): %s", EnvPaths, err, fix))
	} else if paths, err := p.Decode(); err != nil {
		errs = append(errs, fmt.Errorf("%s: %v: %s", EnvPaths, err, fix))
	} else {
		c.Spec.Paths = paths
		if err := c.Spec.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s and %s: %w", EnvClusterARN, EnvPaths, err))
		}
	}
	for k, v := range map[string]string{EnvNamespace: c.Namespace, EnvName: c.Name} {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is empty: %s", k, fix))
		}
	}
	if s := getenv(EnvHealthyTimeout); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 || n > 840 {
			errs = append(errs, fmt.Errorf("%s=%q: want whole seconds between 10 and 840", EnvHealthyTimeout, s))
		}
		c.HealthyTimeout = time.Duration(n) * time.Second
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return c, errors.Join(errs...)
}

// deadlineMargin is what the handler keeps of the invocation's time to
// write its report and metrics after the wait.
const deadlineMargin = 15 * time.Second

// Function is the handler with what it runs against.
type Function struct {
	Config  Config
	Cluster heal.Cluster
	Groups  heal.TargetGroups
	// Metrics receives the EMF lines and the report (the function's stdout).
	Metrics io.Writer
	Logger  *slog.Logger
	// Poll and CallTimeout pace the reconciler; zero: its defaults.
	Poll, CallTimeout time.Duration
}

// Invoke runs the reconciler once with changes allowed. The event is not
// read. Refusals and failed heals are results (metrics, alarms), not
// invocation errors; the error is for a run that could not look at all
// (a read that failed), which the module alarms on as the function's Errors.
func (f *Function) Invoke(ctx context.Context, _ json.RawMessage) (*heal.Report, error) {
	o := heal.Options{Apply: true, HealthyTimeout: f.Config.HealthyTimeout, Poll: f.Poll, CallTimeout: f.CallTimeout, Logger: f.Logger, Region: f.Config.Region}
	if o.HealthyTimeout <= 0 {
		o.HealthyTimeout = heal.DefaultHealthyTimeout
	}
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl) - deadlineMargin; left < o.HealthyTimeout {
			o.HealthyTimeout = max(left, time.Second)
		}
	}
	rep, err := heal.Reconcile(ctx, f.Cluster, f.Groups, f.Config.Spec, o)
	if err != nil {
		return nil, err
	}
	line, err := EMF(f.Config, time.Now(), rep)
	if err != nil {
		return rep, err
	}
	doc, err := json.Marshal(rep)
	if err != nil {
		return rep, err
	}
	if _, err := fmt.Fprintf(f.Metrics, "%s\n%s\n", line, doc); err != nil {
		return rep, fmt.Errorf("write metrics: %w", err)
	}
	if rep.Error != "" {
		return rep, fmt.Errorf("broker healer could not read the deployment: %s", rep.Error)
	}
	return rep, nil
}

// EMF is the run's embedded-metric-format line: Heals, Refusals and
// HealFailures always (zero included: missing data would hide a healthy
// healer from the alarms' view), TimeToHealthy only when measured.
func EMF(c Config, at time.Time, rep *heal.Report) ([]byte, error) {
	if c.Namespace == "" || c.Name == "" {
		return nil, fmt.Errorf("heallambda: metrics need %s and %s", EnvNamespace, EnvName)
	}
	metrics := []map[string]string{
		{"Name": MetricHeals, "Unit": "Count"},
		{"Name": MetricRefusals, "Unit": "Count"},
		{"Name": MetricHealFailures, "Unit": "Count"},
	}
	doc := map[string]any{
		DimensionHealer:    c.Name,
		MetricHeals:        rep.Heals(),
		MetricRefusals:     len(rep.Refusals),
		MetricHealFailures: rep.Failures(),
	}
	if ts := rep.TimesToHealthy(); len(ts) > 0 {
		metrics = append(metrics, map[string]string{"Name": MetricTimeToHealthy, "Unit": "Milliseconds"})
		doc[MetricTimeToHealthy] = ts
	}
	doc["_aws"] = map[string]any{
		"Timestamp": at.UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace":  c.Namespace,
			"Dimensions": [][]string{{DimensionHealer}},
			"Metrics":    metrics,
		}},
	}
	return json.Marshal(doc)
}

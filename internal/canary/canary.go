// Package canary turns a verify.Report into the verify canary's CloudWatch
// metrics: PathPassed and TimeToVerdict per broker path, in the namespace and
// with the dimensions terraform/modules/verify-canary alarms on.
//
// The metrics are written as CloudWatch embedded metric format (EMF) lines,
// one per broker, for the Lambda to print to stdout: CloudWatch Logs turns
// them into metrics, so the canary's VPC needs no monitoring endpoint and its
// role no cloudwatch:PutMetricData.
package canary

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/mskvpce/mskvpce/internal/verify"
)

// Environment variables the module sets on the function.
const (
	EnvNamespace = "MSKVPCE_CANARY_NAMESPACE"
	EnvName      = "MSKVPCE_CANARY_NAME"
)

// Metric and dimension names; the module's alarms use the same.
const (
	MetricPathPassed    = "PathPassed"
	MetricTimeToVerdict = "TimeToVerdict"
	DimensionCanary     = "Canary"
	DimensionBrokerID   = "BrokerId"
)

// Config names where the metrics go.
type Config struct {
	Namespace string
	Canary    string
}

// ConfigFromEnv reads the Config the module set on the function.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Namespace: getenv(EnvNamespace), Canary: getenv(EnvName)}
	return c, c.validate()
}

func (c Config) validate() error {
	var errs []error
	if c.Namespace == "" {
		errs = append(errs, fmt.Errorf("canary: %s is empty: deploy the function with terraform/modules/verify-canary, which sets it", EnvNamespace))
	}
	if c.Canary == "" {
		errs = append(errs, fmt.Errorf("canary: %s is empty: deploy the function with terraform/modules/verify-canary, which sets it", EnvName))
	}
	return errors.Join(errs...)
}

// BrokerResult is one broker path's verdict as the metrics carry it.
type BrokerResult struct {
	BrokerID int
	Passed   bool
	// Millis is the time to the verdict; -1 when the path was never run.
	Millis int64
}

// Results folds a report into one result per broker, sorted by broker id.
// A broker passes only if every one of its path reports (one per SASL
// mechanism) passed; its time to verdict is the slowest of them. Every
// broker in expected that the report does not mention fails with Millis -1,
// so a path that silently dropped out of the run still alarms.
func Results(r *verify.Report, expected []int) []BrokerResult {
	byID := map[int]*BrokerResult{}
	for _, id := range expected {
		byID[id] = &BrokerResult{BrokerID: id, Passed: false, Millis: -1}
	}
	seen := map[int]bool{}
	if r != nil {
		for _, p := range r.Paths {
			b, ok := byID[p.BrokerID]
			if !ok {
				b = &BrokerResult{BrokerID: p.BrokerID, Millis: -1}
				byID[p.BrokerID] = b
			}
			if !seen[p.BrokerID] {
				seen[p.BrokerID] = true
				b.Passed = p.Passed
			} else {
				b.Passed = b.Passed && p.Passed
			}
			if p.Millis > b.Millis {
				b.Millis = p.Millis
			}
		}
	}
	out := make([]BrokerResult, 0, len(byID))
	for _, b := range byID {
		out = append(out, *b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].BrokerID < out[j].BrokerID })
	return out
}

// EMF returns one embedded-metric-format JSON line (no trailing newline) per
// broker result, timestamped at. TimeToVerdict is left out for a path that
// never ran: a made-up duration would skew the statistic.
func EMF(c Config, at time.Time, results []BrokerResult) ([][]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	lines := make([][]byte, 0, len(results))
	for _, b := range results {
		metrics := []map[string]string{{"Name": MetricPathPassed, "Unit": "Count"}}
		doc := map[string]any{
			DimensionCanary:   c.Canary,
			DimensionBrokerID: strconv.Itoa(b.BrokerID),
			MetricPathPassed:  boolMetric(b.Passed),
		}
		if b.Millis >= 0 {
			metrics = append(metrics, map[string]string{"Name": MetricTimeToVerdict, "Unit": "Milliseconds"})
			doc[MetricTimeToVerdict] = b.Millis
		}
		doc["_aws"] = map[string]any{
			"Timestamp": at.UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  c.Namespace,
				"Dimensions": [][]string{{DimensionCanary, DimensionBrokerID}},
				"Metrics":    metrics,
			}},
		}
		line, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("canary: encode broker %d: %w", b.BrokerID, err)
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// Write prints the report's metrics to w (the Lambda's stdout), one EMF line
// per broker in expected and in the report. r may be nil when the run failed
// before any path (every expected broker then reports PathPassed 0). The
// handler calls it as:
//
//	cfg, err := canary.ConfigFromEnv(os.Getenv)
//	... canary.Write(os.Stdout, cfg, report, time.Now(), brokerIDs)
func Write(w io.Writer, c Config, r *verify.Report, at time.Time, expected []int) error {
	lines, err := EMF(c, at, Results(r, expected))
	if err != nil {
		return err
	}
	for _, line := range lines {
		if _, err := fmt.Fprintf(w, "%s\n", line); err != nil {
			return fmt.Errorf("canary: write metrics: %w", err)
		}
	}
	return nil
}

func boolMetric(ok bool) int {
	if ok {
		return 1
	}
	return 0
}

// Package awsregion checks AWS region names where an operator types them
// (--region of verify, localmsk and e2e-cleanup) and reads the region MSK
// writes into every broker hostname, so that a region that is misspelt, or
// contradicts the brokers, is refused before anything signs with it.
package awsregion

import (
	"fmt"
	"regexp"
	"strings"
)

// reRegion is the shape of every region name AWS has used: a partition
// and area prefix (us, eu, ap, us-gov, cn, eusc-de, ...), a direction, a
// number.
var reRegion = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)

// Check returns nil for a region name shaped like AWS's (us-east-1,
// eu-central-2, us-gov-west-1, cn-north-1), and otherwise an error that
// quotes it (control characters escaped) and shows the shape.
func Check(region string) error {
	if region == "" {
		return fmt.Errorf("region is empty: use one like us-east-1")
	}
	if len(region) > 32 || !reRegion.MatchString(region) {
		return fmt.Errorf("%q is not an AWS region name: use one like us-east-1 or eu-west-2", clip(region))
	}
	return nil
}

// FromMSKHost returns the region in an MSK broker or bootstrap hostname
// (b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com, .amazonaws.com.cn in
// China, kafka-serverless for serverless clusters), and false for any
// other host.
func FromMSKHost(host string) (string, bool) {
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(host), "."), ".")
	for i := 0; i+2 < len(labels); i++ {
		if (labels[i] == "kafka" || labels[i] == "kafka-serverless") && labels[i+2] == "amazonaws" && Check(labels[i+1]) == nil {
			return labels[i+1], true
		}
	}
	return "", false
}

// clip keeps an error message readable when the input is huge.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

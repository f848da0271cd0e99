package cli

// A deployment of an existing cluster (--cluster-arn, examples/existing-cluster):
// the cluster read from the AWS API and printed before any plan, and every
// reason the root cannot front it said (exit 2) before anything is written.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mskvpce/mskvpce/internal/deploy/discovery"
)

// discoveryTimeout bounds the reads of the cluster, the SDK's retries included.
const discoveryTimeout = time.Minute

// discoverCluster reads the cluster the deployment fronts, prints it (text:
// stdout, before the plan; json: the plan document's "cluster") and refuses
// what examples/existing-cluster cannot front: another region than
// --region, an ARN MSK does not know, MSK Serverless, a cluster that is not
// ACTIVE, IAM authentication off, brokers in subnets no NLB can go in.
func (c *cli) discoverCluster(ctx context.Context) error {
	if !c.existingCluster() {
		return nil
	}
	arn, _ := c.merged["cluster_arn"].(string)
	a, err := discovery.ParseARN(arn)
	if err != nil {
		return usagef("--cluster-arn: %v", err)
	}
	region, _ := c.merged["region"].(string)
	if err := discovery.CheckRegion(a, region); err != nil {
		return usagef("%v\nNothing was planned or changed.", err)
	}
	cfg, err := c.awsConfig(ctx, region)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	cl, err := discovery.Discover(dctx, discovery.NewClients(cfg), arn)
	var refused *discovery.Error
	switch {
	case errors.As(err, &refused):
		return usagef("%v\nNothing was planned or changed.", err)
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("discover the existing cluster: %w\nNothing was planned or changed; check the AWS credentials (--profile) and run again", err)
	}
	c.cluster = &cl
	if c.output != "json" {
		fmt.Fprint(c.env.Stdout, cl.Describe())
	}
	if rs := cl.Refusals(); len(rs) > 0 {
		return usagef("%v\nNothing was planned or changed.", &discovery.Error{Refusals: rs})
	}
	if err := c.checkDatabricksLimits(dctx, cl.Brokers); err != nil {
		return err
	}
	if c.output != "json" {
		fmt.Fprintf(c.env.Stdout, "It can be fronted: one NLB and endpoint service per broker (%d); nothing on the cluster changes but one ingress rule on its security group\n(9098 from the NLBs; with manage_cluster_security_group_rule = false, the command that adds it).\n\n", len(cl.Brokers))
	}
	return nil
}

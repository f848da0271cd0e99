package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/mskvpce/mskvpce/internal/tfoutputs"
)

// credentialPlaceholder stands for the service credential's name in the
// PySpark snippet when the Databricks side is not managed by this deployment.
const credentialPlaceholder = "<service-credential-name>"

// writeDatabricks prints the Databricks side of a deployment: the service
// credential, the NCC and each broker's private endpoint rule.
func writeDatabricks(w io.Writer, db *tfoutputs.Databricks) {
	fmt.Fprintf(w, "\nDatabricks (managed by this deployment):\n  Service credential:  %s\n  NCC:                 %s\n  Private endpoint rules (one per broker):\n", db.CredentialName, db.NetworkConnectivityConfigID)
	for _, r := range db.Rules {
		state := r.ConnectionState
		if state == "" {
			state = "unknown"
		}
		endpoint := r.VPCEndpointID
		if endpoint == "" {
			endpoint = "(none yet)"
		}
		if r.PendingDaysLeft != nil {
			state += fmt.Sprintf(" (%s left of 14 before Databricks expires it, %s)", days(*r.PendingDaysLeft), r.PendingExpires)
		}
		fmt.Fprintf(w, "    broker %d  %-60s  rule %s  endpoint %s  %s\n", r.BrokerID, r.Hostname, r.RuleID, endpoint, state)
		if r.ErrorMessage != "" {
			fmt.Fprintf(w, "      error: %s\n", r.ErrorMessage)
		}
	}
}

// ruleSteps says, for every rule that cannot carry traffic yet, what to do,
// by its state (live from the account API where deploy could read it).
// Empty when all rules are ESTABLISHED.
func ruleSteps(d tfoutputs.Deployment, cmd func(string) string) []string {
	if d.Databricks == nil {
		return nil
	}
	services := map[int]tfoutputs.Broker{}
	for _, b := range d.Brokers {
		services[b.ID] = b
	}
	var steps []string
	for _, r := range d.Databricks.Rules {
		if r.Established() {
			continue
		}
		b := services[r.BrokerID]
		svc := b.EndpointServiceID
		if svc == "" {
			svc = "<endpoint service id of broker " + fmt.Sprint(r.BrokerID) + ">"
		}
		endpoint := r.VPCEndpointID
		if endpoint == "" {
			endpoint = "<vpc endpoint id>"
		}
		state := strings.ToUpper(r.ConnectionState)
		live := liveRule{RuleID: r.RuleID, ConnectionState: state, VPCEndpointID: endpoint, ErrorMessage: r.ErrorMessage}
		if a := ruleAdvice(r.BrokerID, live, svc, cmd("apply")); a != "" {
			steps = append(steps, a)
			continue
		}
		switch state {
		case rulePending, "PENDING_ACCEPTANCE":
			left := ""
			if r.PendingDaysLeft != nil {
				left = fmt.Sprintf(", %s left: Databricks expires it at %s, 14 days after it was created, and the rule must then be made again", days(*r.PendingDaysLeft), r.PendingExpires)
			}
			steps = append(steps, fmt.Sprintf("broker %d: endpoint %s of rule %s waits for acceptance on endpoint service %s (%s)%s: `%s` accepts exactly that endpoint and waits until it is ESTABLISHED (by hand: aws ec2 accept-vpc-endpoint-connections --region %s --service-id %s --vpc-endpoint-ids %s; never accept another pending connection, the allowed principal is shared by every Databricks customer in the region)",
				r.BrokerID, endpoint, r.RuleID, svc, b.EndpointServiceName, left, cmd("apply"), d.Region, svc, endpoint))
		case ruleCreating, "":
			steps = append(steps, fmt.Sprintf("broker %d: Databricks is still creating the endpoint of rule %s (this takes minutes): `%s` waits for it, then accepts exactly that endpoint on endpoint service %s", r.BrokerID, r.RuleID, cmd("apply"), svc))
		default:
			steps = append(steps, fmt.Sprintf("broker %d: rule %s is %s, a state deploy does not know: check it in the account console (NCC → Private endpoint rules), then run `%s`", r.BrokerID, r.RuleID, r.ConnectionState, cmd("status")))
		}
	}
	return steps
}

// writePySpark prints a notebook snippet for Databricks serverless that
// writes to and reads from a topic through this deployment's brokers with the
// Unity Catalog service credential (databricks.serviceCredential; Databricks
// Runtime 16.1+ and serverless). With a service credential Databricks signs
// the SASL/IAM handshake itself; the SASL_SSL/AWS_MSK_IAM options are stated
// explicitly for readers who know MSK's client settings.
func writePySpark(w io.Writer, d tfoutputs.Deployment) {
	cred := credentialPlaceholder
	if d.Databricks != nil && d.Databricks.CredentialName != "" {
		cred = d.Databricks.CredentialName
	}
	fmt.Fprintf(w, `
Try it from a Databricks serverless notebook (Python). Replace <topic> with an existing topic the
role may use, and the <catalog>.<schema>/<volume> placeholders with ones you can write to;
serverless runs streams with trigger(availableNow=True).

kafka_options = {
    "kafka.bootstrap.servers": %q,
    "kafka.security.protocol": "SASL_SSL",
    "kafka.sasl.mechanism": "AWS_MSK_IAM",
    "databricks.serviceCredential": %q,
}
topic = "<topic>"
checkpoints = "/Volumes/<catalog>/<schema>/<volume>/mskvpce"

# Write: stream a sample table into the topic.
(spark.readStream.table("samples.nyctaxi.trips")
    .selectExpr("CAST(tpep_pickup_datetime AS STRING) AS key", "to_json(struct(*)) AS value")
    .writeStream.format("kafka")
    .options(**kafka_options)
    .option("topic", topic)
    .option("checkpointLocation", checkpoints + "/write")
    .trigger(availableNow=True)
    .start()
    .awaitTermination())

# Read: stream the topic back into a table and look at it.
(spark.readStream.format("kafka")
    .options(**kafka_options)
    .option("subscribe", topic)
    .option("startingOffsets", "earliest")
    .load()
    .selectExpr("partition", "offset", "CAST(key AS STRING) AS key", "CAST(value AS STRING) AS value")
    .writeStream
    .option("checkpointLocation", checkpoints + "/read")
    .trigger(availableNow=True)
    .toTable("<catalog>.<schema>.mskvpce_from_kafka")
    .awaitTermination())
display(spark.table("<catalog>.<schema>.mskvpce_from_kafka"))
`, d.BootstrapBrokersSASLIAM, cred)
	if cred == credentialPlaceholder {
		fmt.Fprintln(w, "(<service-credential-name>: the Unity Catalog service credential you created for the role above;\n serverless reaches the brokers once the NCC rules above are ESTABLISHED and the NCC is attached to the workspace.)")
	}
}

// days says n days, or less than a day.
func days(n int) string {
	switch n {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

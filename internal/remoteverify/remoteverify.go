// Package remoteverify runs the verifier as a remote function: the verify
// canary (terraform/modules/verify-canary, which the nightly e2e deploys
// too) runs it as a Lambda inside a Databricks-like consumer VPC, where it
// reaches each broker exactly as Databricks serverless does: by the broker's
// own hostname, resolved by a private hosted zone to that broker's interface
// endpoint, with credentials from assuming the Databricks role with the
// external ID.
//
// An event is input from a stranger. What the canary may reach and as whom
// (brokers, region, role, external ID) is its Config, read once from the
// environment the module sets; an Event only chooses within it (a shorter
// timeout, a SASL mechanism), and one with anything else is refused before
// anything is dialed or any credentials are fetched. Tests put a stand-in
// for the VPC (private DNS, the brokers' CA, STS) in through lambdafake,
// never through the event or the environment.
package remoteverify

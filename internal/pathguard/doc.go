// Package pathguard reads a Terraform plan (`terraform show -json` of a
// saved plan) of the per-broker PrivateLink layout and says, before anyone
// types yes, what it does to each broker's data path: Databricks' NCC rule →
// its accepted endpoint → the broker's endpoint service → NLB listener on
// 9098 → target group → the broker's IP target. `deploy plan`, `deploy
// apply` and `deploy check-plan` print it; apply refuses (exit 2) a plan
// that interrupts the path of a broker that stays, unless
// --allow-path-interruption.
//
// It is pure: a *tfjson.Plan in, a Report out. Resources are matched by type
// and name and per-broker ones keyed by their for_each key, the broker id,
// wherever the module sits (module.msk_vpce.module.privatelink.,
// module.privatelink., module.databricks[0]., module.verify_canary[0].).
//
// The text below is the operator documentation (docs/operate.md, module READMEs).
//
// # Day-2 changes: the data-path guard
//
// A change to a running deployment must not cut Databricks off from a
// broker that stays. Before applying, deploy reads the saved plan and
// prints one line per broker:
//
//	Broker paths (what this plan does to each broker's data path):
//	  BROKER  PATH         CHANGES
//	  1       kept         unchanged
//	  2       kept         target: target moves from 172.18.16.102:9098 to 172.18.16.130:9098 in the same target group: ...
//	  3       INTERRUPTED  target group: replaced (create before destroy), preserve_client_ip cannot change in place: ... [module...aws_lb_target_group.broker["3"]]
//	Paths: 2 kept, 1 interrupted (broker 3).
//
// The verdicts:
//
//   - new: every component of the path is created (a broker MSK added).
//   - removed: every component is deleted: the broker is going away (MSK
//     removed it); its path ends on purpose.
//   - kept: nothing that carries traffic is deleted, replaced in a way that
//     drops it, or left unknown until apply. In-place updates (tags,
//     attributes) keep a path, and so does a target that moves to a known new
//     address in the same target group, registered before the old one goes
//     (create_before_destroy): what a plan shows after MSK moved a broker and
//     a reconciler re-pointed the target.
//   - interrupted: the broker stays and the plan breaks its path. Each
//     component says why: deleted; replaced (a new target group, listener,
//     NLB, endpoint service, NCC rule or acceptance: a new endpoint service
//     means Databricks must create, and you must accept, a new endpoint;
//     destroying an accepter rejects the connection); a target replaced
//     delete-first, or with the same address (create_before_destroy would
//     deregister it at the end), or with an address unknown until apply; an
//     in-place update whose routing attribute (listener action, endpoint
//     service's NLBs, ...) is unknown until apply.
//
// Shared components interrupt every path that stays: the MSK cluster
// replaced or deleted (every path and the data), the NLB or broker security
// group or their 9098 rules deleted, replaced or no longer opening 9098, the
// Databricks role, its Kafka or self-assume policy or the service credential
// replaced or deleted (authentication for every path), the NCC or its
// workspace binding replaced or deleted (every rule). An in-place update of
// the cluster (storage, version, instance type, configuration) is not an
// interruption but gets a line: MSK applies it broker by broker and clients
// reconnect and retry. The verify canary's per-broker resources are listed
// but never interrupt: Databricks' traffic does not use them.
//
// deploy apply refuses a plan with an interrupted path: exit 2, the list,
// nothing applied. When the interruption is intended (a maintenance window,
// the consumers told), pass --allow-path-interruption. deploy plan prints the
// same table; --output json adds it as "paths" (schema_version 1).
//
// With plain Terraform, check a saved plan the same way:
//
//	terraform plan -out plan.out
//	terraform show -json plan.out | deploy check-plan -
//	terraform apply plan.out    # only if check-plan exited 0
//
// check-plan exits 0 when every path that stays survives, 1 when one would
// be interrupted, 2 when the input is not a plan's JSON (Terraform state, the
// log of `terraform plan -json`, a plan that failed: "errored": true).
//
// What the guard cannot see: whether a path works now (run `deploy verify`),
// and what a target that moves delete-first was serving: if MSK already
// moved the broker, the old address serves nothing and the replacement only
// restores the path; re-point the target first (create before destroy, or
// the reconciler) and plan again, or pass --allow-path-interruption.
package pathguard

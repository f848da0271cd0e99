# Output names are a contract: internal/tfoutputs parses them (through the
# example roots, which re-export them). Rename nothing without changing it there.

output "region" {
  description = "AWS region of the cluster and of everything this module builds."
  value       = data.aws_region.current.region
}

output "cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = var.cluster_arn
}

output "cluster_name" {
  description = "Name of the MSK cluster."
  value       = local.cluster_name
}

output "cluster_uuid" {
  description = "UUID of the MSK cluster (the last part of its ARN; also part of topic and group ARNs)."
  value       = local.cluster_uuid
}

output "bootstrap_brokers_sasl_iam" {
  description = "Comma-separated host:9098 bootstrap brokers for SASL/IAM, as MSK reports them when Terraform plans."
  value       = data.aws_msk_cluster.this.bootstrap_brokers_sasl_iam
}

output "kafka_version" {
  description = "Kafka version of the cluster, as MSK reports it."
  value       = data.aws_msk_cluster.this.kafka_version
}

output "vpc_id" {
  description = "ID of the cluster's VPC, where the NLBs are."
  value       = local.vpc_id
}

output "cluster_security_group_id" {
  description = "The brokers' security group that admits the NLBs on 9098 (the rule this module adds, or the one it asks you to add)."
  value       = local.cluster_security_group_id
}

output "nlb_security_group_id" {
  description = "Security group of the per-broker NLBs."
  value       = aws_security_group.nlb.id
}

output "cluster_security_group_rule_command" {
  description = "With manage_cluster_security_group_rule = false: the AWS CLI command that adds the rule the brokers' security group needs (9098 from the NLB security group); null when this module manages the rule."
  value       = var.manage_cluster_security_group_rule ? null : local.cluster_rule_command
}

output "databricks_msk_role_arn" {
  description = "ARN of the IAM role for the Databricks Unity Catalog service credential."
  value       = aws_iam_role.databricks.arn
}

output "databricks_msk_role_arn_for_credential" {
  description = "The same ARN, built from the role's name: known before the role exists, so a Databricks service credential can be created in the same apply as the trust policy that names its external ID (using databricks_msk_role_arn there would be a cycle)."
  value       = local.databricks_role_arn
}

output "databricks_msk_role_name" {
  description = "Name of the IAM role for the Databricks Unity Catalog service credential."
  value       = aws_iam_role.databricks.name
}

output "external_id_is_placeholder" {
  description = "True while databricks_external_id is still the placeholder \"0000\": create the service credential in Databricks, set its external ID, and re-apply."
  value       = var.databricks_external_id == "0000"
}

output "allowed_principals" {
  description = "Principals allowed to create endpoints to the per-broker endpoint services."
  value       = var.allowed_principals
}

output "databricks_uc_master_role_arn" {
  description = "The Unity Catalog master role the MSK role's trust policy names."
  value       = var.databricks_uc_master_role_arn
}

output "brokers" {
  description = "One object per broker, sorted by broker id: the broker as Kafka advertises it, the NLB and endpoint service that front it, and domain_names, the hostnames a consumer's DNS must resolve to this broker's endpoint (its own, plus any bootstrap hostname that is no broker's, e.g. Express brokers' boot-... names). Create one Databricks NCC private endpoint rule per element (endpoint_service_name, domain_names)."
  # Over the keys, which are known at plan even before a new cluster exists:
  # a caller can key by broker_id (one Databricks NCC rule per broker) in the
  # same apply.
  value = [
    for k in local.sorted_keys : {
      broker_id             = tonumber(k)
      hostname              = local.brokers[k].hostname
      domain_names          = local.domain_names[k]
      client_ip             = local.brokers[k].ip
      client_subnet_id      = local.brokers[k].subnet
      availability_zone     = data.aws_subnet.broker[k].availability_zone
      availability_zone_id  = data.aws_subnet.broker[k].availability_zone_id
      nlb_arn               = aws_lb.broker[k].arn
      nlb_dns_name          = aws_lb.broker[k].dns_name
      nlb_cross_zone        = aws_lb.broker[k].enable_cross_zone_load_balancing
      target_group_arn      = aws_lb_target_group.broker[k].arn
      target_group_name     = aws_lb_target_group.broker[k].name
      endpoint_service_id   = aws_vpc_endpoint_service.broker[k].id
      endpoint_service_name = aws_vpc_endpoint_service.broker[k].service_name
    }
  ]
}

output "reported_broker_ids" {
  description = "The broker ids MSK reports while Terraform plans, sorted (unknown only while the cluster is being created)."
  value       = [for padded in sort([for k in keys(local.nodes_now) : format("%05d", tonumber(k))]) : tonumber(padded)]
}

output "volume_size" {
  description = "EBS storage per broker in GiB, as MSK reports it while Terraform plans (storage autoscaling or a change outside Terraform can grow it)."
  value       = try(one(one(one(data.aws_msk_cluster.this.broker_node_group_info).storage_info).ebs_storage_info).volume_size, null)
}

output "zone_ids" {
  description = "AZ IDs of the cluster's broker subnets, sorted. IDs, unlike names, are the same in every account: a consumer places its endpoints by them."
  value       = sort(distinct([for s in data.aws_subnet.broker : s.availability_zone_id]))
}

output "healer" {
  description = "The broker-path healer when healer_lambda_zip_path is set (function_name, role_arn, metric_namespace, alarm_arns, sns_topic_arn); null otherwise."
  value = var.healer_lambda_zip_path == null ? null : {
    function_name    = module.healer[0].function_name
    role_arn         = module.healer[0].role_arn
    metric_namespace = module.healer[0].metric_namespace
    alarm_arns       = module.healer[0].alarm_arns
    sns_topic_arn    = module.healer[0].sns_topic_arn
  }
}

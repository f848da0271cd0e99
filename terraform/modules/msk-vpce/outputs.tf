# Output names are a contract: internal/tfoutputs parses them. Rename nothing
# without changing it there.

output "region" {
  description = "AWS region of the deployment."
  value       = data.aws_region.current.region
}

output "cluster_arn" {
  description = "ARN of the MSK cluster."
  value       = aws_msk_cluster.this.arn
}

output "cluster_name" {
  description = "Name of the MSK cluster."
  value       = aws_msk_cluster.this.cluster_name
}

output "cluster_uuid" {
  description = "UUID of the MSK cluster (the last part of its ARN; also part of topic and group ARNs)."
  value       = aws_msk_cluster.this.cluster_uuid
}

output "bootstrap_brokers_sasl_iam" {
  description = "Comma-separated host:9098 bootstrap brokers for SASL/IAM. Inside the VPC they resolve to the brokers; from Databricks they must resolve to the per-broker endpoints (NCC private endpoint rules)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_iam
}

output "vpc_id" {
  description = "ID of the MSK VPC."
  value       = aws_vpc.this.id
}

output "broker_security_group_id" {
  description = "Security group of the MSK broker ENIs (9098 from the NLB security group only)."
  value       = aws_security_group.broker.id
}

output "nlb_security_group_id" {
  description = "Security group of the per-broker NLBs."
  value       = aws_security_group.nlb.id
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

output "brokers" {
  description = "One object per broker, sorted by broker id: the broker as Kafka advertises it and the NLB and endpoint service that front it. Create one Databricks NCC private endpoint rule per element (endpoint_service_name, domain name = hostname)."
  # Over range(broker_count), not local.brokers: the list's length is then
  # known at plan even before the cluster exists, so a caller can count over it
  # (one Databricks NCC rule per broker) in the same apply.
  value = [
    for i in range(var.broker_count) : {
      broker_id = local.brokers[i].broker_id
      # A node has one endpoint (its hostname) unless public access is on,
      # which this module never enables; sorting makes the choice stable.
      hostname              = sort(local.brokers[i].endpoints)[0]
      client_ip             = local.brokers[i].client_vpc_ip_address
      client_subnet_id      = local.brokers[i].client_subnet
      availability_zone     = local.subnet_az[local.brokers[i].client_subnet]
      nlb_arn               = aws_lb.broker[i].arn
      nlb_dns_name          = aws_lb.broker[i].dns_name
      nlb_cross_zone        = aws_lb.broker[i].enable_cross_zone_load_balancing
      target_group_arn      = aws_lb_target_group.broker[i].arn
      target_group_name     = aws_lb_target_group.broker[i].name
      endpoint_service_id   = aws_vpc_endpoint_service.broker[i].id
      endpoint_service_name = aws_vpc_endpoint_service.broker[i].service_name
    }
  ]
}

output "zone_ids" {
  description = "AZ IDs of the private subnets (the brokers' and NLBs' zones), in subnet order. IDs, unlike names, are the same in every account: a consumer places its endpoints by them."
  value       = slice(data.aws_availability_zones.available.zone_ids, 0, local.az_count)
}

output "databricks_uc_master_role_arn" {
  description = "The Unity Catalog master role the MSK role's trust policy names."
  value       = var.databricks_uc_master_role_arn
}

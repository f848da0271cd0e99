# The account-level Databricks objects the example creates, as the tests
# that turn Databricks on see them (a rule still PENDING, no endpoint yet
# accepted).

mock_resource "databricks_mws_network_connectivity_config" {
  defaults = {
    network_connectivity_config_id = "11111111-2222-3333-4444-555555555555"
  }
}

mock_resource "databricks_mws_ncc_private_endpoint_rule" {
  defaults = {
    rule_id          = "rule-mock"
    vpc_endpoint_id  = "vpce-0mockdatabricks"
    connection_state = "PENDING"
  }
}

# The three zones every test of the module plans in (mock_provider "aws"
# { source = "./tests/mocks/aws" }).

mock_data "aws_availability_zones" {
  defaults = {
    names    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    zone_ids = ["euw1-az1", "euw1-az2", "euw1-az3"]
  }
}

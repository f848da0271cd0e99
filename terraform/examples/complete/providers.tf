provider "aws" {
  region  = var.region
  profile = var.aws_profile

  default_tags {
    tags = {
      Owner     = var.user_name
      Service   = var.service_name
      ManagedBy = "mskvpce"
    }
  }
}

# tflint configuration for every Terraform directory of this repository.
# Run from the repo root: `tflint --recursive --config "$PWD/.tflint.hcl"`.
#
# Only the terraform ruleset, which is bundled into the tflint binary: nothing
# is downloaded (the registry and GitHub releases are not reachable here), so
# `tflint --init` is not needed. The AWS ruleset plugin is deliberately absent;
# provider-level correctness is checked by `terraform validate` against the
# real hashicorp/aws schema instead.

config {
  # Also lint the module calls' sources (../../modules/...), not just roots.
  call_module_type = "local"
  force            = false
}

plugin "terraform" {
  enabled = true
  # "all" = every rule of the bundled ruleset, including those "recommended"
  # leaves out: documented and typed variables and outputs, naming convention,
  # standard module structure, comment syntax, unused declarations, pinned
  # required_providers and required_version.
  preset = "all"
}

# snake_case for every block name (the ruleset default, stated explicitly).
rule "terraform_naming_convention" {
  enabled = true
  format  = "snake_case"
}

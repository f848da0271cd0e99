// Package deploy is what the deploy command (internal/deploy/cli) works on,
// free of its command line: a deployment's working directory (Workdir: the
// embedded Terraform laid out under a manifest, never touching state or the
// operator's edits) and the root module's inputs the command knows by name
// (Inputs: flag, MSKVPCE_* variable and check per input; var files; the pure
// precedence of MergeInputs).
package deploy

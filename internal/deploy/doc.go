// Package deploy is what the deploy command (internal/deploy/cli) works on,
// free of its command line: a deployment's working directory (Workdir: the
// embedded Terraform laid out under a manifest, never touching state or the
// operator's edits; kept private by Tighten), its settings (deployment.json,
// parsed strictly by ParseSettings), the deployment lock (Lock: one run at
// a time, the holder named), the root module's inputs the command knows by
// name (Inputs: flag, MSKVPCE_* variable and check per input; var files;
// the pure precedence of MergeInputs), reading files without ever blocking
// on a FIFO or device (ReadRegularFile), and keeping secrets out of what is
// printed (RedactJSON, Redactor).
package deploy

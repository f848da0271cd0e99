// The part of github.com/hashicorp/go-getter that trivy's Terraform scanner
// calls (pkg/iac/scanners/terraform/parser/resolvers, remote module download),
// for iacscan, which never downloads (ScannerWithDownloadsAllowed(false)).
// go.mod's replace swaps it in: the real go-getter brings Google Cloud
// Storage, S3, gRPC and OpenTelemetry, ~500 of iacscan's ~1,370 packages, for
// a code path the gate cannot take. See tools/README.md, "iacscan".
module github.com/hashicorp/go-getter

go 1.26.8

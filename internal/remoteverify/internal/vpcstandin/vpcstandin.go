// Package vpcstandin is what a test harness puts in place of the canary's
// VPC: the private hosted zone (each broker's hostname to the address that
// answers for it), the trust store that holds the brokers' CA, and the STS
// endpoint. In production the canary has none of it: it dials each broker by
// its hostname, trusts the system roots and assumes the role through STS's
// regional endpoint.
//
// Go's internal rule keeps the type out of reach: only packages under
// internal/remoteverify can build a VPC, and of those only lambdafake (a
// test double, which production binaries may not link: see
// internal/verify/deps_test.go) hands one to a remoteverify.Function. An
// event or the function's environment cannot produce one.
package vpcstandin

import "crypto/x509"

// VPC stands in for the canary's network.
type VPC struct {
	// Resolve maps a broker's advertised host:port to the address that
	// answers for it (a local NLB stand-in); a broker it lacks is dialed by
	// its advertised address.
	Resolve map[string]string
	// RootCAs verifies the brokers' certificates; nil means the system roots.
	RootCAs *x509.CertPool
	// STSEndpoint is where AssumeRole goes; empty means STS's regional
	// endpoint.
	STSEndpoint string
}

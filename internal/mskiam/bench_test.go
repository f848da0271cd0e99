package mskiam_test

import (
	"testing"
)

func BenchmarkVerifyOAuthBearer(b *testing.B) {
	msg := bearer(b, signerToken(b, region, roleCred))
	v := newVerifier()
	v.Now = fuzzClock(msg)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyOAuthBearer(msg, broker1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAWSMSKIAM(b *testing.B) {
	payload := franzPayload(b, broker1+":9098", roleCred)
	v := newVerifier()
	v.Now = fuzzClock(payload)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.VerifyAWSMSKIAM(payload, broker1); err != nil {
			b.Fatal(err)
		}
	}
}

package awsregion

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"us-east-1", "eu-west-2", "ap-southeast-4", "us-gov-west-1", "cn-north-1", "il-central-1", "us-isob-east-1", "eusc-de-east-1"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "mars", "us-east-1\n", "us-east-1 ", " us-east-1", "US-EAST-1", "us_east_1", "us-east", "us-east-1a", "us-east-123", "us-\x1b[31m-1", strings.Repeat("a", 40000)} {
		err := Check(bad)
		if err == nil {
			t.Errorf("Check(%q) = nil, want an error", bad)
			continue
		}
		if strings.ContainsAny(err.Error(), "\n\x1b") || len(err.Error()) > 200 {
			t.Errorf("Check(%.20q): message %q carries control characters or the whole input", bad, err)
		}
	}
}

func TestFromMSKHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{
		"b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com":          "us-east-1",
		"b-3.mskvpce-local.l0ca1x.c2.kafka.eu-west-2.amazonaws.com": "eu-west-2",
		"b-1.demo.abc123.c2.kafka.cn-north-1.amazonaws.com.cn":      "cn-north-1",
		"boot-abc.c1.kafka-serverless.ap-south-1.amazonaws.com":     "ap-south-1",
		"B-1.DEMO.ABC123.C2.KAFKA.US-WEST-2.AMAZONAWS.COM.":         "us-west-2",
		"kafka.example.com":                              "",
		"nlb-1-0123.elb.us-east-1.amazonaws.com":         "",
		"b-1.demo.abc123.c2.kafka.mars.amazonaws.com":    "",
		"b-1.demo.abc123.c2.kafka.us-east-1.example.com": "",
	} {
		got, ok := FromMSKHost(host)
		if got != want || ok != (want != "") {
			t.Errorf("FromMSKHost(%q) = %q, %v; want %q", host, got, ok, want)
		}
	}
}

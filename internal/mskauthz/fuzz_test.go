package mskauthz

import (
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// FuzzParsePolicy: arbitrary documents never panic, and an accepted policy
// can always be evaluated.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(modulePolicy(testCluster, "*")))
	f.Add([]byte(`{"Statement":{"Effect":"Deny","NotAction":"*","NotResource":["arn:*"]}}`))
	f.Add([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:*?*","Resource":"arn:??*"}]}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Effect":"Deny"}]}`))
	f.Add([]byte(`{"Statement":{"Effect":"Allow","Action":["a:b",{"x":1,"x":2}],"Resource":"*"}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := ParsePolicy(doc)
		if err != nil {
			return
		}
		p.Decide(ActReadData, topicARN("t"))
		p.DecidePrefix(ActWriteData, testCluster.TopicARN(""))
	})
}

// FuzzCheck decodes arbitrary bytes as any Kafka request, as the front does
// with what a client sends, and checks it: no panic, and a denial response
// always encodes.
func FuzzCheck(f *testing.F) {
	for key := int16(0); key <= kmsg.MaxKey; key++ {
		req := kmsg.RequestForKey(key)
		if req == nil {
			continue
		}
		fill(reflect.ValueOf(req).Elem(), knownID, 0)
		req.SetVersion(req.MaxVersion())
		f.Add(key, req.MaxVersion(), req.AppendTo(nil))
	}
	a := &Authorizer{Cluster: testCluster, Policy: mustPolicy(f, readerStmts...)}
	a.LearnTopicID(knownID, "t1")
	f.Fuzz(func(t *testing.T, key, version int16, body []byte) {
		req := kmsg.RequestForKey(key)
		if req == nil || version < 0 || version > req.MaxVersion() {
			return
		}
		req.SetVersion(version)
		if err := req.ReadFrom(body); err != nil {
			return
		}
		v := a.Check(req)
		switch {
		case v.Allow && v.Relay == nil:
			t.Fatal("allowed without a request to relay")
		case v.Allow:
			_ = v.Relay.AppendTo(nil)
			if v.Filter != nil {
				resp := req.ResponseKind()
				resp.SetVersion(version)
				v.Filter(resp)
				_ = resp.AppendTo(nil)
			}
		case v.Response != nil:
			_ = v.Response.AppendTo(nil)
		case !v.CloseConnection:
			t.Fatal("denied with neither a response nor a close")
		}
	})
}

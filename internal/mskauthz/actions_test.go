package mskauthz

import (
	"slices"
	"testing"
)

func TestUnknownActions(t *testing.T) {
	t.Parallel()
	p, err := ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["kafka-cluster:Connect","KAFKA-CLUSTER:describetopic","kafka-cluster:Describe*","kafka-cluster:*","kafka-cluster:WriteDatas","kafka-cluster:Conect","s3:GetObject","kafka:DescribeCluster"],"Resource":"*"},
		{"Effect":"Deny","NotAction":"kafka-cluster:ReadDat?","Resource":"*"},
		{"Effect":"Deny","Action":"kafka-cluster:Conect","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.UnknownActions(), []string{"kafka-cluster:WriteDatas", "kafka-cluster:Conect"}; !slices.Equal(got, want) {
		t.Errorf("UnknownActions() = %q, want %q", got, want)
	}
}

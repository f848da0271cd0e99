package mskauthz

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestAuthorizedOperations(t *testing.T) {
	t.Parallel()
	a := &Authorizer{Cluster: testCluster, Policy: mustPolicy(t, readerStmts...)}
	const (
		read, write, describe = 1 << 3, 1 << 4, 1 << 8
	)

	mreq := metadataReq(12, false, "t1")
	mreq.IncludeTopicAuthorizedOperations = true
	v := a.Check(mreq)
	mresp := metadataResp(12, map[string]int16{"t1": 0})
	mresp.Topics[0].AuthorizedOperations = -1 // what a broker unaware of IAM might say
	v.Filter(mresp)
	if got, want := mresp.Topics[0].AuthorizedOperations, int32(read|write|describe); got != want {
		t.Errorf("topic t1 operations %b, want %b (READ, WRITE, DESCRIBE)", got, want)
	}

	greq := kmsg.NewPtrDescribeGroupsRequest()
	greq.Version, greq.Groups, greq.IncludeAuthorizedOperations = 5, []string{"g1"}, true
	v = a.Check(greq)
	gresp := kmsg.NewPtrDescribeGroupsResponse()
	gresp.Groups = []kmsg.DescribeGroupsResponseGroup{{Group: "g1"}}
	v.Filter(gresp)
	if got, want := gresp.Groups[0].AuthorizedOperations, int32(read|describe); got != want {
		t.Errorf("group g1 operations %b, want %b (READ, DESCRIBE)", got, want)
	}

	creq := kmsg.NewPtrDescribeClusterRequest()
	creq.IncludeClusterAuthorizedOperations = true
	v = a.Check(creq)
	cresp := kmsg.NewPtrDescribeClusterResponse()
	v.Filter(cresp)
	if got, want := cresp.ClusterAuthorizedOperations, int32(describe); got != want {
		t.Errorf("cluster operations %b, want %b (DESCRIBE)", got, want)
	}

	// Not asked for: no filter touches the field.
	plain := kmsg.NewPtrDescribeClusterRequest()
	if v := a.Check(plain); v.Filter != nil {
		t.Error("DescribeCluster without IncludeClusterAuthorizedOperations got a filter")
	}
}

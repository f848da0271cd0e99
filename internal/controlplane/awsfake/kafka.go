package awsfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// kafka serves the MSK REST-JSON API: ListNodes, GetBootstrapBrokers and
// DescribeClusterV2, each for State.ClusterARN only.
func (h handler) kafka(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	var op, escapedARN string
	switch {
	case r.Method != http.MethodGet:
	case len(segs) == 4 && segs[0] == "v1" && segs[1] == "clusters" && segs[3] == "nodes":
		op, escapedARN = "ListNodes", segs[2]
	case len(segs) == 4 && segs[0] == "v1" && segs[1] == "clusters" && segs[3] == "bootstrap-brokers":
		op, escapedARN = "GetBootstrapBrokers", segs[2]
	case len(segs) == 4 && segs[0] == "api" && segs[1] == "v2" && segs[2] == "clusters":
		op, escapedARN = "DescribeClusterV2", segs[3]
	}
	if op == "" {
		writeKafkaError(w, h.requestID, APIError{Status: 404, Code: "NotFoundException", Message: "awsfake: no MSK operation at " + r.Method + " " + r.URL.Path})
		return
	}
	if !h.begin(r, "kafka", op) {
		return
	}
	if e, ok := h.injected(op); ok {
		writeKafkaError(w, h.requestID, e)
		return
	}
	arn, err := url.PathUnescape(escapedARN)
	if err != nil || arn != h.state.ClusterARN {
		writeKafkaError(w, h.requestID, APIError{Status: 404, Code: "NotFoundException",
			Message: "The requested resource could not be found. Cluster " + arn + " does not exist."})
		return
	}
	if op == "ListNodes" && h.state.Cluster.Serverless {
		// MSK's answer: a serverless cluster has no nodes to list.
		writeKafkaError(w, h.requestID, APIError{Code: "BadRequestException", Message: "This operation cannot be performed on serverless clusters."})
		return
	}
	var out any
	switch op {
	case "ListNodes":
		out = h.listNodes()
	case "GetBootstrapBrokers":
		out = map[string]string{"bootstrapBrokerStringSaslIam": h.state.Cluster.BootstrapBrokersSASLIAM}
	case "DescribeClusterV2":
		out = h.describeClusterV2()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", h.requestID)
	_ = json.NewEncoder(w).Encode(out)
}

type softwareInfo struct {
	KafkaVersion string `json:"kafkaVersion,omitempty"`
}

func (h handler) listNodes() any {
	type brokerNodeInfo struct {
		AttachedENIId             string        `json:"attachedENIId,omitempty"`
		BrokerID                  float64       `json:"brokerId"`
		ClientSubnet              string        `json:"clientSubnet,omitempty"`
		ClientVpcIPAddress        string        `json:"clientVpcIpAddress,omitempty"`
		CurrentBrokerSoftwareInfo *softwareInfo `json:"currentBrokerSoftwareInfo,omitempty"`
		Endpoints                 []string      `json:"endpoints,omitempty"`
	}
	type nodeInfo struct {
		AddedToClusterTime string          `json:"addedToClusterTime,omitempty"`
		BrokerNodeInfo     *brokerNodeInfo `json:"brokerNodeInfo,omitempty"`
		InstanceType       string          `json:"instanceType,omitempty"`
		NodeType           string          `json:"nodeType"`
	}
	out := struct {
		NodeInfoList []nodeInfo `json:"nodeInfoList"`
	}{NodeInfoList: []nodeInfo{}}
	for _, n := range h.state.Nodes {
		out.NodeInfoList = append(out.NodeInfoList, nodeInfo{
			AddedToClusterTime: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC).Format(time.RFC3339Nano),
			BrokerNodeInfo: &brokerNodeInfo{
				AttachedENIId:             n.ENI,
				BrokerID:                  float64(n.BrokerID),
				ClientSubnet:              n.ClientSubnet,
				ClientVpcIPAddress:        n.ClientIP,
				CurrentBrokerSoftwareInfo: &softwareInfo{KafkaVersion: n.KafkaVersion},
				Endpoints:                 n.Endpoints,
			},
			InstanceType: n.InstanceType,
			NodeType:     "BROKER",
		})
	}
	return out
}

// describeClusterV2 is the ClusterInfo of a provisioned cluster with TLS
// in transit and, when IAMAuth, SASL/IAM client authentication (9098).
func (h handler) describeClusterV2() any {
	c := h.state.Cluster
	type enabled struct {
		Enabled bool `json:"enabled"`
	}
	state := c.State
	if state == "" {
		state = "ACTIVE"
	}
	created := c.Created
	if created.IsZero() {
		created = time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	}
	subnets, groups := c.ClientSubnets, c.SecurityGroups
	if subnets == nil {
		subnets = []string{}
	}
	if groups == nil {
		groups = []string{}
	}
	if c.Serverless {
		return map[string]any{
			"clusterInfo": map[string]any{
				"clusterArn":     h.state.ClusterARN,
				"clusterName":    c.Name,
				"clusterType":    "SERVERLESS",
				"creationTime":   created.Format(time.RFC3339Nano),
				"currentVersion": c.CurrentVersion,
				"state":          state,
				"tags":           map[string]string{},
				"serverless": map[string]any{
					"vpcConfigs":           []any{map[string]any{"subnetIds": subnets, "securityGroupIds": groups}},
					"clientAuthentication": map[string]any{"sasl": map[string]any{"iam": enabled{c.IAMAuth}}},
				},
			},
		}
	}
	return map[string]any{
		"clusterInfo": map[string]any{
			"clusterArn":     h.state.ClusterARN,
			"clusterName":    c.Name,
			"clusterType":    "PROVISIONED",
			"creationTime":   created.Format(time.RFC3339Nano),
			"currentVersion": c.CurrentVersion,
			"state":          state,
			"tags":           map[string]string{},
			"provisioned": map[string]any{
				"brokerNodeGroupInfo": map[string]any{
					"brokerAZDistribution": "DEFAULT",
					"clientSubnets":        subnets,
					"instanceType":         c.InstanceType,
					"securityGroups":       groups,
				},
				"clientAuthentication": map[string]any{
					"sasl":            map[string]any{"iam": enabled{c.IAMAuth}, "scram": enabled{false}},
					"tls":             enabled{false},
					"unauthenticated": enabled{false},
				},
				"currentBrokerSoftwareInfo": softwareInfo{KafkaVersion: c.KafkaVersion},
				"encryptionInfo": map[string]any{
					"encryptionInTransit": map[string]any{"clientBroker": "TLS", "inCluster": true},
				},
				"enhancedMonitoring":  "DEFAULT",
				"numberOfBrokerNodes": len(h.state.Nodes),
				"storageMode":         "LOCAL",
			},
		},
	}
}

// writeKafkaError writes a REST-JSON error the way MSK does: the code in
// x-amzn-ErrorType, the message in the body.
func writeKafkaError(w http.ResponseWriter, requestID string, e APIError) {
	status := e.Status
	if status == 0 {
		status = 400
		if e.Code == "ForbiddenException" || e.Code == "UnauthorizedException" {
			status = 403
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.Code)
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
}

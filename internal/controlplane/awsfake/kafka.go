package awsfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// kafka serves the MSK REST-JSON API: GET /v1/clusters/{clusterArn}/nodes (ListNodes).
func (h handler) kafka(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	if r.Method != http.MethodGet || len(segs) != 4 || segs[0] != "v1" || segs[1] != "clusters" || segs[3] != "nodes" {
		writeKafkaError(w, h.requestID, APIError{Status: 404, Code: "NotFoundException", Message: "awsfake: no MSK operation at " + r.Method + " " + r.URL.Path})
		return
	}
	if !h.begin(r, "kafka", "ListNodes") {
		return
	}
	if e, ok := h.state.Errors["ListNodes"]; ok {
		writeKafkaError(w, h.requestID, e)
		return
	}
	arn, err := url.PathUnescape(segs[2])
	if err != nil || arn != h.state.ClusterARN {
		writeKafkaError(w, h.requestID, APIError{Status: 404, Code: "NotFoundException",
			Message: "The requested resource could not be found. Cluster " + arn + " does not exist."})
		return
	}

	type softwareInfo struct {
		KafkaVersion string `json:"kafkaVersion,omitempty"`
	}
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
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", h.requestID)
	_ = json.NewEncoder(w).Encode(out)
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

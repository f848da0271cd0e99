package awsfake

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const ec2NS = "http://ec2.amazonaws.com/doc/2016-11-15/"

// ec2 serves the EC2 Query API.
func (h handler) ec2(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		writeEC2Error(w, h.requestID, APIError{Code: "InvalidParameterValue", Message: "awsfake: expected a form-encoded POST"})
		return
	}
	form := r.PostForm
	action := form.Get("Action")
	if !h.begin(r, "ec2", action) {
		return
	}
	if e, ok := h.state.Errors[action]; ok {
		writeEC2Error(w, h.requestID, e)
		return
	}
	switch action {
	case "DescribeSubnets":
		h.describeSubnets(w, action, form)
	case "DescribeVpcEndpointServiceConfigurations":
		ids := indexed(form, "ServiceId")
		var res ec2DescribeServiceConfigurations
		for _, id := range ids {
			es, ok := h.endpointService(id)
			if !ok {
				writeEC2Error(w, h.requestID, notFoundService(id))
				return
			}
			res.Set = append(res.Set, ec2ServiceConfiguration{
				ServiceType:        []ec2ServiceType{{ServiceType: "Interface"}},
				ServiceID:          es.ID,
				ServiceName:        es.Name,
				ServiceState:       es.State,
				AvailabilityZones:  es.AvailabilityZones,
				AcceptanceRequired: es.AcceptanceRequired,
				ManagesVpcEndpoint: false,
				NLBARNs:            es.NLBARNs,
				BaseEndpointDNS:    []string{es.ID + "." + h.state.Region + ".vpce.amazonaws.com"},
				IPAddressTypes:     []string{"ipv4"},
			})
		}
		writeEC2Result(w, action, h.requestID, res)
	case "DescribeVpcEndpointServicePermissions":
		id := form.Get("ServiceId")
		es, ok := h.endpointService(id)
		if !ok {
			writeEC2Error(w, h.requestID, notFoundService(id))
			return
		}
		var res ec2DescribePermissions
		for i, p := range es.AllowedPrincipals {
			typ := "Role"
			switch {
			case p == "*":
				typ = "All"
			case strings.HasSuffix(p, ":root"):
				typ = "Account"
			case strings.Contains(p, ":user/"):
				typ = "User"
			}
			res.AllowedPrincipals = append(res.AllowedPrincipals, ec2AllowedPrincipal{
				PrincipalType: typ, Principal: p, ServiceID: es.ID,
				ServicePermissionID: fmt.Sprintf("vpce-svc-perm-0%016x", i+1),
			})
		}
		writeEC2Result(w, action, h.requestID, res)
	case "DescribeVpcEndpointConnections":
		filters := ec2Filters(form)
		var res ec2DescribeConnections
		for _, es := range h.state.EndpointServices {
			if v, ok := filters["service-id"]; ok && !contains(v, es.ID) {
				continue
			}
			for _, c := range es.Connections {
				if v, ok := filters["vpc-endpoint-state"]; ok && !contains(v, c.State) {
					continue
				}
				res.Set = append(res.Set, ec2Connection{
					ServiceID:         es.ID,
					VpcEndpointID:     c.EndpointID,
					VpcEndpointOwner:  c.Owner,
					VpcEndpointState:  c.State,
					CreationTimestamp: c.Created.UTC().Format(time.RFC3339Nano),
					NLBARNs:           es.NLBARNs,
					IPAddressType:     "ipv4",
					ConnectionID:      "vpce-con-" + strings.TrimPrefix(c.EndpointID, "vpce-"),
					Region:            h.state.Region,
				})
			}
		}
		writeEC2Result(w, action, h.requestID, res)
	case "DescribeSecurityGroupRules":
		filters := ec2Filters(form)
		ruleIDs := indexed(form, "SecurityGroupRuleId")
		var res ec2DescribeSecurityGroupRules
		for _, sr := range h.state.SecurityGroupRules {
			if v, ok := filters["group-id"]; ok && !contains(v, sr.GroupID) {
				continue
			}
			if len(ruleIDs) > 0 && !contains(ruleIDs, sr.ID) {
				continue
			}
			item := ec2SecurityGroupRule{
				ID:           sr.ID,
				GroupID:      sr.GroupID,
				GroupOwnerID: h.state.Account,
				IsEgress:     sr.Egress,
				IPProtocol:   sr.Protocol,
				FromPort:     sr.FromPort,
				ToPort:       sr.ToPort,
				CIDRv4:       sr.CIDRv4,
				CIDRv6:       sr.CIDRv6,
				PrefixListID: sr.PrefixListID,
				Description:  sr.Description,
				ARN:          fmt.Sprintf("arn:aws:ec2:%s:%s:security-group-rule/%s", h.state.Region, h.state.Account, sr.ID),
			}
			if sr.ReferencedGroupID != "" {
				item.Referenced = &ec2ReferencedGroup{GroupID: sr.ReferencedGroupID, UserID: h.state.Account}
			}
			res.Set = append(res.Set, item)
		}
		writeEC2Result(w, action, h.requestID, res)
	case "AcceptVpcEndpointConnections", "RejectVpcEndpointConnections":
		h.decideConnections(w, action, form)
	case "DeleteVpcEndpointServiceConfigurations":
		h.deleteServices(w, action, form)
	default:
		writeEC2Error(w, h.requestID, APIError{Code: "InvalidAction", Message: "awsfake: EC2 action " + action + " is not served"})
	}
}

// describeSubnets answers by SubnetId.N (every one must exist, as EC2
// insists) or, without ids, with every subnet, filtered by vpc-id.
func (h handler) describeSubnets(w http.ResponseWriter, action string, form url.Values) {
	ids := indexed(form, "SubnetId")
	filters := ec2Filters(form)
	var res ec2DescribeSubnets
	for _, id := range ids {
		if !slices.ContainsFunc(h.state.Subnets, func(s Subnet) bool { return s.ID == id }) {
			writeEC2Error(w, h.requestID, APIError{Code: "InvalidSubnetID.NotFound", Message: fmt.Sprintf("The subnet ID '%s' does not exist", id)})
			return
		}
	}
	for _, sn := range h.state.Subnets {
		if len(ids) > 0 && !contains(ids, sn.ID) {
			continue
		}
		if v, ok := filters["vpc-id"]; ok && !contains(v, sn.VPCID) {
			continue
		}
		state, free := sn.State, sn.FreeIPs
		if state == "" {
			state = "available"
		}
		if free == 0 {
			free = 250
		}
		res.Set = append(res.Set, ec2Subnet{
			ID: sn.ID, ARN: fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", h.state.Region, h.state.Account, sn.ID),
			State: state, OwnerID: h.state.Account, VPCID: sn.VPCID, CIDR: sn.CIDR, AvailableIPs: free,
			AvailabilityZone: sn.AvailabilityZone, AvailabilityZoneID: sn.AvailabilityZoneID,
		})
	}
	writeEC2Result(w, action, h.requestID, res)
}

func (h handler) endpointService(id string) (EndpointService, bool) {
	for _, es := range h.state.EndpointServices {
		if es.ID == id {
			return es, true
		}
	}
	return EndpointService{}, false
}

func notFoundService(id string) APIError {
	return APIError{Code: "InvalidVpcEndpointServiceId.NotFound", Message: fmt.Sprintf("The Vpc Endpoint Service Id '%s' does not exist", id)}
}

// indexed reads an EC2 Query list: Name.1, Name.2, ...
func indexed(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[name+"."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

// ec2Filters reads Filter.N.Name / Filter.N.Value.M into name → values.
func ec2Filters(form url.Values) map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		name := form.Get("Filter." + strconv.Itoa(i) + ".Name")
		if name == "" {
			return out
		}
		out[name] = append(out[name], indexed(form, "Filter."+strconv.Itoa(i)+".Value")...)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Shapes of the EC2 API reference (members of lists are <item>).
type ec2DescribeServiceConfigurations struct {
	Set []ec2ServiceConfiguration `xml:"serviceConfigurationSet>item"`
}

type ec2ServiceType struct {
	ServiceType string `xml:"serviceType"`
}

type ec2ServiceConfiguration struct {
	ServiceType        []ec2ServiceType `xml:"serviceType>item"`
	ServiceID          string           `xml:"serviceId"`
	ServiceName        string           `xml:"serviceName"`
	ServiceState       string           `xml:"serviceState"`
	AvailabilityZones  []string         `xml:"availabilityZoneSet>item"`
	AcceptanceRequired bool             `xml:"acceptanceRequired"`
	ManagesVpcEndpoint bool             `xml:"managesVpcEndpoints"`
	NLBARNs            []string         `xml:"networkLoadBalancerArnSet>item"`
	BaseEndpointDNS    []string         `xml:"baseEndpointDnsNameSet>item"`
	IPAddressTypes     []string         `xml:"supportedIpAddressTypeSet>item"`
}

type ec2DescribeSubnets struct {
	Set []ec2Subnet `xml:"subnetSet>item"`
}

type ec2Subnet struct {
	ID                  string `xml:"subnetId"`
	ARN                 string `xml:"subnetArn"`
	State               string `xml:"state"`
	OwnerID             string `xml:"ownerId"`
	VPCID               string `xml:"vpcId"`
	CIDR                string `xml:"cidrBlock"`
	AvailableIPs        int    `xml:"availableIpAddressCount"`
	AvailabilityZone    string `xml:"availabilityZone"`
	AvailabilityZoneID  string `xml:"availabilityZoneId"`
	DefaultForAz        bool   `xml:"defaultForAz"`
	MapPublicIPOnLaunch bool   `xml:"mapPublicIpOnLaunch"`
}

type ec2DescribePermissions struct {
	AllowedPrincipals []ec2AllowedPrincipal `xml:"allowedPrincipals>item"`
}

type ec2AllowedPrincipal struct {
	PrincipalType       string `xml:"principalType"`
	Principal           string `xml:"principal"`
	ServicePermissionID string `xml:"servicePermissionId"`
	ServiceID           string `xml:"serviceId"`
}

type ec2DescribeConnections struct {
	Set []ec2Connection `xml:"vpcEndpointConnectionSet>item"`
}

type ec2Connection struct {
	ServiceID         string   `xml:"serviceId"`
	VpcEndpointID     string   `xml:"vpcEndpointId"`
	VpcEndpointOwner  string   `xml:"vpcEndpointOwner"`
	VpcEndpointState  string   `xml:"vpcEndpointState"`
	CreationTimestamp string   `xml:"creationTimestamp"`
	NLBARNs           []string `xml:"networkLoadBalancerArnSet>item"`
	IPAddressType     string   `xml:"ipAddressType"`
	ConnectionID      string   `xml:"vpcEndpointConnectionId"`
	Region            string   `xml:"vpcEndpointRegion"`
}

type ec2DescribeSecurityGroupRules struct {
	Set []ec2SecurityGroupRule `xml:"securityGroupRuleSet>item"`
}

type ec2SecurityGroupRule struct {
	ID           string              `xml:"securityGroupRuleId"`
	GroupID      string              `xml:"groupId"`
	GroupOwnerID string              `xml:"groupOwnerId"`
	IsEgress     bool                `xml:"isEgress"`
	IPProtocol   string              `xml:"ipProtocol"`
	FromPort     int32               `xml:"fromPort"`
	ToPort       int32               `xml:"toPort"`
	CIDRv4       string              `xml:"cidrIpv4,omitempty"`
	CIDRv6       string              `xml:"cidrIpv6,omitempty"`
	PrefixListID string              `xml:"prefixListId,omitempty"`
	Referenced   *ec2ReferencedGroup `xml:"referencedGroupInfo,omitempty"`
	Description  string              `xml:"description,omitempty"`
	ARN          string              `xml:"securityGroupRuleArn"`
}

type ec2ReferencedGroup struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

// writeEC2Result writes an EC2 Query response: <ActionResponse xmlns><requestId/>…</ActionResponse>.
func writeEC2Result(w http.ResponseWriter, action, requestID string, body any) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<%sResponse xmlns="%s"><requestId>%s</requestId>`, action, ec2NS, requestID)
	inner, err := xml.Marshal(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// xml.Marshal wraps the struct in an element named for its type; keep only its children.
	inner = inner[bytes.IndexByte(inner, '>')+1 : bytes.LastIndexByte(inner, '<')]
	buf.Write(inner)
	fmt.Fprintf(&buf, `</%sResponse>`, action)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write(buf.Bytes())
}

// writeEC2Error writes an EC2 Query error:
// <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
func writeEC2Error(w http.ResponseWriter, requestID string, e APIError) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Response><Errors><Error><Code>`)
	_ = xml.EscapeText(&buf, []byte(e.Code))
	buf.WriteString(`</Code><Message>`)
	_ = xml.EscapeText(&buf, []byte(e.Message))
	fmt.Fprintf(&buf, `</Message></Error></Errors><RequestID>%s</RequestID></Response>`, requestID)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(statusOf(e))
	_, _ = w.Write(buf.Bytes())
}

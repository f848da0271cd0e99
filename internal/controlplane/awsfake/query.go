package awsfake

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

const (
	elbNS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"
	iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"
)

// elb serves the Elastic Load Balancing v2 AWS Query API.
func (h handler) elb(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		writeQueryError(w, elbNS, APIError{Code: "MalformedQueryString", Message: "awsfake: expected a form-encoded POST"})
		return
	}
	action := r.PostForm.Get("Action")
	if !h.begin(r, "elasticloadbalancing", action) {
		return
	}
	if e, ok := h.injected(action); ok {
		writeQueryErrorID(w, elbNS, h.requestID, e)
		return
	}
	switch action {
	case "DescribeTargetHealth":
		arn := r.PostForm.Get("TargetGroupArn")
		tg, ok := h.targetGroup(arn)
		if !ok {
			writeQueryErrorID(w, elbNS, h.requestID, APIError{Code: "TargetGroupNotFound", Message: fmt.Sprintf("Target groups '%s' not found", arn)})
			return
		}
		var res elbDescribeTargetHealthResult
		for _, t := range tg.Targets {
			d := elbTargetHealthDescription{
				Target:          elbTargetDescription{ID: t.ID, Port: t.Port, AvailabilityZone: t.AvailabilityZone},
				HealthCheckPort: strconv.Itoa(int(t.Port)),
				TargetHealth:    elbTargetHealth{State: t.State, Reason: t.Reason, Description: t.Description},
			}
			res.TargetHealthDescriptions = append(res.TargetHealthDescriptions, d)
		}
		writeQueryResult(w, elbNS, action, h.requestID, res)
	case "DescribeListeners":
		arn := r.PostForm.Get("LoadBalancerArn")
		lb, ok := h.loadBalancer(arn)
		if !ok {
			writeQueryErrorID(w, elbNS, h.requestID, APIError{Code: "LoadBalancerNotFound", Message: fmt.Sprintf("Load balancers '[%s]' not found", arn)})
			return
		}
		var res elbDescribeListenersResult
		for _, l := range lb.Listeners {
			a := elbAction{Type: "forward", TargetGroupArn: l.TargetGroupARN}
			a.ForwardConfig.TargetGroups = []elbTargetGroupTuple{{TargetGroupArn: l.TargetGroupARN, Weight: 1}}
			res.Listeners = append(res.Listeners, elbListener{
				ListenerArn: l.ARN, LoadBalancerArn: lb.ARN, Port: l.Port, Protocol: l.Protocol,
				DefaultActions: []elbAction{a},
			})
		}
		writeQueryResult(w, elbNS, action, h.requestID, res)
	case "DescribeLoadBalancerAttributes":
		arn := r.PostForm.Get("LoadBalancerArn")
		lb, ok := h.loadBalancer(arn)
		if !ok {
			writeQueryErrorID(w, elbNS, h.requestID, APIError{Code: "LoadBalancerNotFound", Message: fmt.Sprintf("Load balancers '[%s]' not found", arn)})
			return
		}
		res := elbDescribeLoadBalancerAttributesResult{Attributes: []elbAttribute{
			{Key: "access_logs.s3.enabled", Value: "false"},
			{Key: "deletion_protection.enabled", Value: "false"},
			{Key: "load_balancing.cross_zone.enabled", Value: strconv.FormatBool(lb.CrossZone)},
			{Key: "dns_record.client_routing_policy", Value: "any_availability_zone"},
		}}
		writeQueryResult(w, elbNS, action, h.requestID, res)
	case "RegisterTargets", "DeregisterTargets":
		h.writeTargets(w, action, r.PostForm)
	case "DescribeTags":
		h.describeTags(w, r.PostForm)
	default:
		writeQueryErrorID(w, elbNS, h.requestID, APIError{Code: "InvalidAction", Message: "awsfake: ELBv2 action " + action + " is not served"})
	}
}

// iam serves the IAM AWS Query API.
func (h handler) iam(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		writeQueryError(w, iamNS, APIError{Code: "MalformedQueryString", Message: "awsfake: expected a form-encoded POST"})
		return
	}
	action := r.PostForm.Get("Action")
	if !h.begin(r, "iam", action) {
		return
	}
	if e, ok := h.state.Errors[action]; ok {
		writeQueryErrorID(w, iamNS, h.requestID, e)
		return
	}
	switch action {
	case "GetRole":
		name := r.PostForm.Get("RoleName")
		for _, role := range h.state.Roles {
			if role.Name != name {
				continue
			}
			writeQueryResult(w, iamNS, action, h.requestID, iamGetRoleResult{Role: iamRole{
				Path:                     "/",
				RoleName:                 role.Name,
				RoleID:                   role.ID,
				Arn:                      role.ARN,
				CreateDate:               role.Created.UTC().Format(time.RFC3339),
				AssumeRolePolicyDocument: trustPolicyOnWire(role.TrustPolicy),
				MaxSessionDuration:       3600,
			}})
			return
		}
		writeQueryErrorID(w, iamNS, h.requestID, APIError{Status: 404, Code: "NoSuchEntity", Message: fmt.Sprintf("The role with name %s cannot be found.", name)})
	default:
		writeQueryErrorID(w, iamNS, h.requestID, APIError{Code: "InvalidAction", Message: "awsfake: IAM action " + action + " is not served"})
	}
}

func (h handler) targetGroup(arn string) (TargetGroup, bool) {
	for _, tg := range h.state.TargetGroups {
		if tg.ARN == arn {
			return tg, true
		}
	}
	return TargetGroup{}, false
}

func (h handler) loadBalancer(arn string) (LoadBalancer, bool) {
	for _, lb := range h.state.LoadBalancers {
		if lb.ARN == arn {
			return lb, true
		}
	}
	return LoadBalancer{}, false
}

// Shapes of the ELBv2 API reference (members of lists are <member>).
type elbDescribeTargetHealthResult struct {
	TargetHealthDescriptions []elbTargetHealthDescription `xml:"TargetHealthDescriptions>member"`
}

type elbTargetHealthDescription struct {
	Target          elbTargetDescription `xml:"Target"`
	HealthCheckPort string               `xml:"HealthCheckPort"`
	TargetHealth    elbTargetHealth      `xml:"TargetHealth"`
}

type elbTargetDescription struct {
	ID               string `xml:"Id"`
	Port             int32  `xml:"Port"`
	AvailabilityZone string `xml:"AvailabilityZone,omitempty"`
}

type elbTargetHealth struct {
	State       string `xml:"State"`
	Reason      string `xml:"Reason,omitempty"`
	Description string `xml:"Description,omitempty"`
}

type elbDescribeListenersResult struct {
	Listeners []elbListener `xml:"Listeners>member"`
}

type elbListener struct {
	ListenerArn     string      `xml:"ListenerArn"`
	LoadBalancerArn string      `xml:"LoadBalancerArn"`
	Port            int32       `xml:"Port"`
	Protocol        string      `xml:"Protocol"`
	DefaultActions  []elbAction `xml:"DefaultActions>member"`
}

type elbAction struct {
	Type           string `xml:"Type"`
	TargetGroupArn string `xml:"TargetGroupArn,omitempty"`
	ForwardConfig  struct {
		TargetGroups                []elbTargetGroupTuple `xml:"TargetGroups>member"`
		TargetGroupStickinessConfig struct {
			Enabled bool `xml:"Enabled"`
		} `xml:"TargetGroupStickinessConfig"`
	} `xml:"ForwardConfig"`
}

type elbTargetGroupTuple struct {
	TargetGroupArn string `xml:"TargetGroupArn"`
	Weight         int32  `xml:"Weight"`
}

type elbDescribeLoadBalancerAttributesResult struct {
	Attributes []elbAttribute `xml:"Attributes>member"`
}

type elbAttribute struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// Shapes of the IAM API reference.
type iamGetRoleResult struct {
	Role iamRole `xml:"Role"`
}

type iamRole struct {
	Path                     string `xml:"Path"`
	RoleName                 string `xml:"RoleName"`
	RoleID                   string `xml:"RoleId"`
	Arn                      string `xml:"Arn"`
	CreateDate               string `xml:"CreateDate"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int32  `xml:"MaxSessionDuration"`
}

// writeQueryResult writes an AWS Query response:
// <ActionResponse xmlns><ActionResult>…</ActionResult><ResponseMetadata><RequestId/></ResponseMetadata></ActionResponse>.
func writeQueryResult(w http.ResponseWriter, ns, action, requestID string, result any) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<%sResponse xmlns="%s">`, action, ns)
	enc := xml.NewEncoder(&buf)
	if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_ = enc.Flush()
	fmt.Fprintf(&buf, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, requestID, action)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	_, _ = w.Write(buf.Bytes())
}

func writeQueryError(w http.ResponseWriter, ns string, e APIError) {
	writeQueryErrorID(w, ns, newRequestID(), e)
}

// writeQueryErrorID writes an AWS Query error:
// <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
func writeQueryErrorID(w http.ResponseWriter, ns, requestID string, e APIError) {
	status := statusOf(e)
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>`, ns, typ)
	_ = xml.EscapeText(&buf, []byte(e.Code))
	buf.WriteString(`</Code><Message>`)
	_ = xml.EscapeText(&buf, []byte(e.Message))
	fmt.Fprintf(&buf, `</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, requestID)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func statusOf(e APIError) int {
	if e.Status != 0 {
		return e.Status
	}
	switch e.Code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
		return 403
	}
	return 400
}

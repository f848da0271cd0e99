package awsfake

import (
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// The writes of an endpoint service's lifecycle, as EC2 answers them: a
// request naming endpoints succeeds as a whole and lists the endpoints it
// could not act on in its unsuccessful set (the SDK returns no error for
// them), and a service that still has connections is not deleted.

// settle moves accepted connections from pending to available once
// AcceptLatency has passed, and targets to their state at now (targets.go).
func (s *State) settle(now time.Time) {
	s.settleTargets(now)
	for i := range s.EndpointServices {
		for j := range s.EndpointServices[i].Connections {
			c := &s.EndpointServices[i].Connections[j]
			if c.State == "pending" && !c.Accepted.IsZero() && now.Sub(c.Accepted) >= s.AcceptLatency {
				c.State = "available"
			}
		}
	}
}

// blocksDelete: AWS refuses to delete an endpoint service while a connection
// is in one of these states.
func blocksDelete(state string) bool {
	switch state {
	case "pendingAcceptance", "pending", "available":
		return true
	}
	return false
}

type ec2Unsuccessful struct {
	Items []ec2UnsuccessfulItem `xml:"unsuccessful>item"`
}

type ec2UnsuccessfulItem struct {
	Error struct {
		Code    string `xml:"code"`
		Message string `xml:"message"`
	} `xml:"error"`
	ResourceID string `xml:"resourceId"`
}

func unsuccessful(id, code, msg string) ec2UnsuccessfulItem {
	var it ec2UnsuccessfulItem
	it.ResourceID, it.Error.Code, it.Error.Message = id, code, msg
	return it
}

// decideConnections serves AcceptVpcEndpointConnections and
// RejectVpcEndpointConnections: ServiceId and VpcEndpointId.N.
func (h handler) decideConnections(w http.ResponseWriter, action string, form url.Values) {
	id := form.Get("ServiceId")
	ids := indexed(form, "VpcEndpointId")
	if id == "" || len(ids) == 0 {
		writeEC2Error(w, h.requestID, APIError{Code: "MissingParameter", Message: "The request must contain the parameter ServiceId and at least one VpcEndpointId"})
		return
	}
	if _, ok := h.endpointService(id); !ok {
		writeEC2Error(w, h.requestID, notFoundService(id))
		return
	}
	accept := action == "AcceptVpcEndpointConnections"
	var res ec2Unsuccessful
	now := h.state.Now()
	h.mutate(func(s *State) {
		for i := range s.EndpointServices {
			es := &s.EndpointServices[i]
			if es.ID != id {
				continue
			}
			for _, ep := range ids {
				c := findConnection(es, ep)
				switch {
				case c == nil:
					res.Items = append(res.Items, unsuccessful(ep, "InvalidVpcEndpoint.NotFound", fmt.Sprintf("The Vpc Endpoint Id '%s' does not exist or is not connected to service %s", ep, id)))
				case accept && c.State != "pendingAcceptance":
					res.Items = append(res.Items, unsuccessful(ep, "InvalidState", fmt.Sprintf("Vpc Endpoint %s is in state %s; only pendingAcceptance connections can be accepted", ep, c.State)))
				case accept:
					c.State, c.Accepted = "pending", now
				case !blocksDelete(c.State):
					res.Items = append(res.Items, unsuccessful(ep, "InvalidState", fmt.Sprintf("Vpc Endpoint %s is in state %s and cannot be rejected", ep, c.State)))
				default:
					c.State = "rejected"
				}
			}
			s.settle(now)
		}
	})
	writeEC2Result(w, action, h.requestID, res)
}

func findConnection(es *EndpointService, endpointID string) *Connection {
	for i := range es.Connections {
		if es.Connections[i].EndpointID == endpointID {
			return &es.Connections[i]
		}
	}
	return nil
}

// deleteServices serves DeleteVpcEndpointServiceConfigurations: ServiceId.N.
// A service with a pending or accepted connection stays, and is listed as
// unsuccessful with ExistingVpcEndpointConnections, as AWS does.
func (h handler) deleteServices(w http.ResponseWriter, action string, form url.Values) {
	ids := indexed(form, "ServiceId")
	if len(ids) == 0 {
		writeEC2Error(w, h.requestID, APIError{Code: "MissingParameter", Message: "The request must contain the parameter ServiceId"})
		return
	}
	var res ec2Unsuccessful
	h.mutate(func(s *State) {
		for _, id := range ids {
			idx := -1
			for i := range s.EndpointServices {
				if s.EndpointServices[i].ID == id {
					idx = i
				}
			}
			if idx < 0 {
				res.Items = append(res.Items, unsuccessful(id, "InvalidVpcEndpointService.NotFound", fmt.Sprintf("The Vpc Endpoint Service '%s' does not exist", id)))
				continue
			}
			var active []string
			for _, c := range s.EndpointServices[idx].Connections {
				if blocksDelete(c.State) {
					active = append(active, c.EndpointID+" ("+c.State+")")
				}
			}
			if len(active) > 0 {
				res.Items = append(res.Items, unsuccessful(id, "ExistingVpcEndpointConnections", fmt.Sprintf("Service has existing active VPC Endpoint connections: %v", active)))
				continue
			}
			s.EndpointServices = append(s.EndpointServices[:idx], s.EndpointServices[idx+1:]...)
		}
	})
	writeEC2Result(w, action, h.requestID, res)
}

// AddConnection adds a connection request to the endpoint service serviceID
// (state pendingAcceptance), as a consumer's CreateVpcEndpoint does: Databricks'
// NCC rule, or anyone else allowed by the service's principals.
func (f *Server) AddConnection(serviceID, endpointID, owner string) error {
	var err error
	f.mutate(func(s *State) {
		for i := range s.EndpointServices {
			if s.EndpointServices[i].ID == serviceID {
				s.EndpointServices[i].Connections = append(s.EndpointServices[i].Connections, Connection{
					EndpointID: endpointID, Owner: owner, State: "pendingAcceptance", Created: s.Now().UTC(),
				})
				return
			}
		}
		err = fmt.Errorf("awsfake: no endpoint service %s", serviceID)
	})
	return err
}

// ConnectionState is the state of endpointID's connection to serviceID, or
// "" when there is none.
func (f *Server) ConnectionState(serviceID, endpointID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state.settle(f.state.Now())
	for i := range f.state.EndpointServices {
		if f.state.EndpointServices[i].ID == serviceID {
			if c := findConnection(&f.state.EndpointServices[i], endpointID); c != nil {
				return c.State
			}
		}
	}
	return ""
}

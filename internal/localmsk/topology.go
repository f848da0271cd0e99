package localmsk

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
)

// The cluster's client network as MSK and an NLB see it. Each broker has a
// client IP in a client subnet of the cluster's VPC, one subnet per
// availability zone, brokers spread over the zones by id (as MSK places
// them); an NLB target group holds a client IP on 9098. The network is
// modelled: none of these addresses exists on this machine, and the
// environment maps each broker's client IP to where its listener really is
// (BrokerInfo.BrokerAddr). An NLB stand-in targeting an IP that no broker
// holds (a replaced broker's old IP) black-holes connects, as AWS does.
const (
	// ClientVPCCIDR holds the client subnets 10.0.<zone+1>.0/24.
	ClientVPCCIDR = "10.0.0.0/16"
	// SecurityGroupID is the cluster's (modelled) security group.
	SecurityGroupID = "sg-0a11ce5ec0091e0a1"
	// VPCID is the (modelled) VPC of the client subnets.
	VPCID    = "vpc-0a11ce0c1e47e0a1c"
	maxZones = 3
)

// clientNet is the modelled client network; Env.netMu guards it together
// with the NLB stand-ins' targets and the fronts' moves.
type clientNet struct {
	ips      []string // broker id-1 → its current client IP
	targets  []string // NLB id-1 → its target, client IP:9098
	replaced int      // replacements so far, numbering new IPs
}

func zones(brokers int) int { return min(brokers, maxZones) }

func (e *Env) zoneOf(id int) int { return (id - 1) % zones(len(e.fronts)) }

// subnetID is the client subnet of availability zone zone (0-based).
func subnetID(zone int) string { return fmt.Sprintf("subnet-0c1e47%011x", 0x5b+zone) }

func (e *Env) availabilityZone(zone int) string { return e.opts.Region + string(rune('a'+zone)) }

// ZoneID is the zone ID AWS would give availability zone name
// (us-east-1b → use1-az2): the region's short form and the zone's letter.
func ZoneID(name string) string {
	if len(name) < 2 {
		return ""
	}
	region, letter := name[:len(name)-1], name[len(name)-1]
	parts := strings.Split(region, "-")
	if len(parts) < 3 || parts[1] == "" {
		return ""
	}
	return fmt.Sprintf("%s%c%s-az%d", parts[0], parts[1][0], parts[len(parts)-1], int(letter-'a')+1)
}

// SubnetCIDR is the client subnet of availability zone name: 10.0.<zone+1>.0/24.
func SubnetCIDR(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf("10.0.%d.0/24", int(name[len(name)-1]-'a')+1)
}

// initClientNet gives broker i the IP 10.0.<zone+1>.<100+i> and points NLB
// stand-in i at it.
func (e *Env) initClientNet() {
	e.net.ips = make([]string, len(e.fronts))
	e.net.targets = make([]string, len(e.fronts))
	for i := range e.fronts {
		e.net.ips[i] = fmt.Sprintf("10.0.%d.%d", e.zoneOf(i+1)+1, 100+i+1)
		e.net.targets[i] = net.JoinHostPort(e.net.ips[i], strconv.Itoa(Port))
	}
}

// SetNLBTarget re-points NLB stand-in id at target, a client IP with an
// optional port (default 9098), as registering that IP in its target group
// (and deregistering the old one) does: new connections go there, open ones
// stay where they are. An IP that no broker holds leaves connects
// unanswered until they time out; a broker's IP on another port refuses
// them (the stand-in resets the client). Safe for concurrent use.
func (e *Env) SetNLBTarget(id int, target string) error {
	if err := e.broker(id); err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		host, port = target, strconv.Itoa(Port)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() {
		return fmt.Errorf("NLB %d target %q: want a broker's client IPv4 address, optionally with :port (e.g. %s:%d)", id, target, e.Info().Brokers[0].ClientIP, Port)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("NLB %d target %q: port %q is not a number in 1..65535", id, target, port)
	}
	defer e.changed()
	e.netMu.Lock()
	defer e.netMu.Unlock()
	e.net.targets[id-1] = net.JoinHostPort(ip.String(), port)
	if err := e.applyTargetLocked(id); err != nil {
		return err
	}
	return e.publishLocked()
}

// RouteNLB makes NLB stand-in id forward new connections to broker toBroker,
// like a target group registered with the wrong broker IP.
func (e *Env) RouteNLB(id, toBroker int) error {
	if err := e.broker(toBroker); err != nil {
		return err
	}
	e.netMu.Lock()
	ip := e.net.ips[toBroker-1]
	e.netMu.Unlock()
	return e.SetNLBTarget(id, net.JoinHostPort(ip, strconv.Itoa(Port)))
}

// ReplaceBroker replaces broker id as MSK replaces a failed broker: the
// same id and advertised hostname come back at a new client IP (here: a new
// listener), the old one goes dead with every connection through it, and
// NLB stand-ins keep targeting the old IP until re-pointed (SetNLBTarget):
// through them connects time out, as through an NLB whose target IP is
// gone. One cluster operation at a time (ErrUpdateInProgress).
func (e *Env) ReplaceBroker(id int) error {
	if err := e.broker(id); err != nil {
		return err
	}
	done, err := e.beginUpdate(StateHealing)
	if err != nil {
		return err
	}
	defer done() // after netMu is released: done runs the OnChange hooks
	e.netMu.Lock()
	defer e.netMu.Unlock()
	addr, err := e.fronts[id-1].move()
	if err != nil {
		return fmt.Errorf("replace broker %d: %w", id, err)
	}
	e.net.replaced++
	old := e.net.ips[id-1]
	e.net.ips[id-1] = fmt.Sprintf("10.0.%d.%d", e.zoneOf(id)+1, 150+e.net.replaced)
	e.log.Info("broker replaced: new client IP, the old one is gone", "broker", id, "old_client_ip", old, "client_ip", e.net.ips[id-1], "broker_addr", addr)
	for n := range e.nlbs {
		if err := e.applyTargetLocked(n + 1); err != nil {
			return err
		}
	}
	return e.publishLocked()
}

// applyTargetLocked makes NLB stand-in id forward to what its target
// resolves to.
func (e *Env) applyTargetLocked(id int) error {
	f := e.nlbs[id-1]
	host, port, _ := net.SplitHostPort(e.net.targets[id-1])
	for b, ip := range e.net.ips {
		if ip != host {
			continue
		}
		if port == strconv.Itoa(Port) {
			f.SetTarget(e.fronts[b].addr())
		} else {
			f.SetTarget(e.refusing) // the broker's host, no listener on that port
		}
		return f.SetTargetGone(false)
	}
	f.SetTarget(e.refusing)
	return f.SetTargetGone(true)
}

// publishLocked brings Info up to date with the client network and
// rewrites info.json, so that it tells the truth after a move.
func (e *Env) publishLocked() error {
	e.infoMu.Lock()
	for i := range e.info.Brokers {
		b := &e.info.Brokers[i]
		b.BrokerAddr = e.fronts[i].addr()
		b.ClientIP = e.net.ips[i]
		b.NLBTarget = e.net.targets[i]
	}
	e.infoMu.Unlock()
	return e.WriteInfo(filepath.Join(e.opts.Dir, "info.json")) // in netMu's order
}

// deadAddr is a local address nothing listens on: connects are refused.
func deadAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

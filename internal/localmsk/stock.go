package localmsk

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/mskvpce/mskvpce/internal/localmsk/nlb"
)

// Loopback networks 127.0.N.0 that StockClients mode picks from: 127.0.0.x
// and 127.0.1.1 are taken by convention (systemd-resolved, Debian's
// hostname line).
const (
	firstLoopbackNet = 16
	lastLoopbackNet  = 254
)

// Files in Options.Dir in StockClients mode.
const (
	HostsFileName            = "hosts"
	JavaPropertiesFileName   = "client.properties"
	LibrdkafkaPropertiesName = "librdkafka.properties"
)

// startNLBs starts one NLB stand-in per front: on 127.0.0.1 at a free port,
// or in StockClients mode at 127.0.N.<id>:9098 for the first N whose
// addresses are all free (another environment may hold one).
func (e *Env) startNLBs() error {
	listenAll := func(addr func(id int) string) error {
		for i, f := range e.fronts {
			n, err := nlb.Listen(fmt.Sprintf("nlb-%d", i+1), addr(i+1), f.addr(), e.log.With("nlb", i+1))
			if err != nil {
				for _, n := range e.nlbs {
					n.Close()
				}
				e.nlbs = nil
				return err
			}
			e.nlbs = append(e.nlbs, n)
		}
		return nil
	}
	if !e.opts.StockClients {
		return listenAll(func(int) string { return "127.0.0.1:0" })
	}
	first, last := firstLoopbackNet, lastLoopbackNet
	if e.opts.LoopbackNet != 0 {
		first, last = e.opts.LoopbackNet, e.opts.LoopbackNet
	}
	var busy []string
	for n := first; n <= last; n++ {
		err := listenAll(func(id int) string { return loopbackEndpoint(n, id) })
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EADDRNOTAVAIL):
			hint := "add it to the loopback interface"
			if runtime.GOOS == "darwin" {
				hint = "macOS routes only 127.0.0.1 to lo0: add each address with `sudo ifconfig lo0 alias 127.0.N.<id> up`"
			}
			return fmt.Errorf("stock-client mode: %w (%s)", err, hint)
		case errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EACCES):
			busy = append(busy, fmt.Sprintf("127.0.%d.x", n))
		default:
			return fmt.Errorf("stock-client mode: %w", err)
		}
	}
	if e.opts.LoopbackNet != 0 {
		return fmt.Errorf("stock-client mode: 127.0.%d.1-%d:9098 are not all free (another local environment, or something else on port 9098): pick another --loopback-net or stop it", e.opts.LoopbackNet, len(e.fronts))
	}
	return fmt.Errorf("stock-client mode: no loopback network 127.0.%d-%d.x has %d free addresses on port 9098 (%d busy)", first, last, len(e.fronts), len(busy))
}

func loopbackEndpoint(n, id int) string {
	return net.JoinHostPort(fmt.Sprintf("127.0.%d.%d", n, id), strconv.Itoa(Port))
}

// HostsLines is the hosts-file mapping of every broker hostname to its NLB
// stand-in's address: all a stock client needs in StockClients mode, as the
// private DNS of a VPC endpoint or an NCC rule's domain_names in AWS.
func (i Info) HostsLines() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# localmsk %s (%s): broker hostname -> NLB stand-in; remove when it stops\n", i.ClusterName, i.ClusterARN)
	for _, br := range i.Brokers {
		host, _, err := net.SplitHostPort(br.Endpoint)
		if err != nil {
			host = br.Endpoint
		}
		fmt.Fprintf(&b, "%s\t%s\n", host, br.Hostname)
	}
	return b.String()
}

// JavaClientProperties is a client.properties for the Apache Kafka Java
// client with aws-msk-iam-auth (AWS_MSK_IAM), as Spark on Databricks uses it
// (there each key takes a "kafka." prefix).
func (i Info) JavaClientProperties() string {
	return fmt.Sprintf(`# localmsk %[1]s: Apache Kafka Java client + aws-msk-iam-auth (AWS_MSK_IAM).
# Needs the hosts lines of %[2]s resolved, and the credentials in the environment:
#   export AWS_REGION=%[3]s AWS_ACCESS_KEY_ID=%[4]s AWS_SECRET_ACCESS_KEY=... AWS_SESSION_TOKEN=...
# (see info.json). Spark: pass each key as an option prefixed "kafka.".
bootstrap.servers=%[5]s
security.protocol=SASL_SSL
sasl.mechanism=AWS_MSK_IAM
sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required;
sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler
ssl.truststore.type=PEM
ssl.truststore.location=%[6]s
`, i.ClusterName, HostsFileName, i.Region, i.Credentials.AccessKeyID, i.BootstrapBrokersSASLIAM, i.CAFile)
}

// LibrdkafkaProperties are librdkafka (confluent-kafka, kcat) settings for
// OAUTHBEARER. librdkafka cannot sign MSK's token itself: the application
// sets an oauth_cb returning aws-msk-iam-sasl-signer's token.
func (i Info) LibrdkafkaProperties() string {
	return fmt.Sprintf(`# localmsk %[1]s: librdkafka (confluent-kafka) with OAUTHBEARER.
# Needs the hosts lines of %[2]s resolved, and an oauth_cb that returns the MSK
# IAM token (base64url SigV4 presigned URL for kafka-cluster:Connect), e.g. in
# Python: MSKAuthTokenProvider.generate_auth_token("%[3]s") from
# aws-msk-iam-sasl-signer-python, with the credentials of info.json.
bootstrap.servers=%[4]s
security.protocol=SASL_SSL
sasl.mechanisms=OAUTHBEARER
ssl.ca.location=%[5]s
ssl.endpoint.identification.algorithm=https
`, i.ClusterName, HostsFileName, i.Region, i.BootstrapBrokersSASLIAM, i.CAFile)
}

// WriteHostsFile writes the hosts lines to path (cmd/localmsk's
// --hosts-file), replacing path rather than writing through a link.
func (e *Env) WriteHostsFile(path string) error {
	return writeFile(path, []byte(e.Info().HostsLines()), 0o644)
}

// writeClientFiles writes the hosts lines and client settings into Dir.
func (e *Env) writeClientFiles() error {
	info := e.Info()
	for name, body := range map[string]string{
		HostsFileName:            info.HostsLines(),
		JavaPropertiesFileName:   info.JavaClientProperties(),
		LibrdkafkaPropertiesName: info.LibrdkafkaProperties(),
	} {
		path := filepath.Join(e.opts.Dir, name)
		if err := writeFile(path, []byte(body), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

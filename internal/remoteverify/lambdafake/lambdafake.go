// Package lambdafake is a test double for the canary's AWS side: a Lambda API
// serving Invoke (REST-JSON, POST /2015-03-31/functions/{name}/invocations)
// that runs a remoteverify.Function in process, and an STS serving
// AssumeRole (AWS Query) for one role and external ID. It is the test
// harness's one door to the function's stand-in VPC (Network). Only tests
// import it; production binaries may not link it (internal/verify/deps_test.go).
package lambdafake

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/mskvpce/mskvpce/internal/remoteverify"
	"github.com/mskvpce/mskvpce/internal/remoteverify/internal/vpcstandin"
)

// Lambda is a fake Lambda API with one function.
type Lambda struct {
	*httptest.Server
	name    string
	fn      remoteverify.Function
	timeout time.Duration

	mu   sync.Mutex
	logs []string
}

// NewLambda serves fn as the function name; Metrics of fn is replaced by the
// invocation's log. timeout is the function's configured timeout.
func NewLambda(name string, fn remoteverify.Function, timeout time.Duration) *Lambda {
	return NewLambdaIn(name, fn, timeout, Network{})
}

// Network is what the function's VPC gives it that neither its event nor
// its configuration carries: the canary's private hosted zone (each
// broker's hostname resolves to that broker's interface endpoint), the
// trust store that holds the brokers' CA, and the STS interface endpoint.
type Network struct {
	// Resolve maps a broker's advertised host:port to the address that
	// answers for it (the local NLB stand-in).
	Resolve map[string]string
	// CAPEM is the brokers' CA; empty means the system roots.
	CAPEM string
	// STSEndpoint is where the function assumes its role; empty means STS's
	// regional endpoint.
	STSEndpoint string
}

// In returns fn running inside n: how a test runs the real handler in
// process, in front of a local MSK-like environment.
func In(fn remoteverify.Function, n Network) (remoteverify.Function, error) {
	vpc := &vpcstandin.VPC{Resolve: n.Resolve, STSEndpoint: n.STSEndpoint}
	if strings.TrimSpace(n.CAPEM) != "" {
		vpc.RootCAs = x509.NewCertPool()
		if !vpc.RootCAs.AppendCertsFromPEM([]byte(n.CAPEM)) {
			return fn, fmt.Errorf("lambdafake: Network.CAPEM holds no PEM certificate")
		}
	}
	fn.StandIn = vpc
	return fn, nil
}

// NewLambdaIn is NewLambda with the function running inside net.
func NewLambdaIn(name string, fn remoteverify.Function, timeout time.Duration, net Network) *Lambda {
	fn, err := In(fn, net)
	if err != nil {
		panic(err)
	}
	l := &Lambda{name: name, fn: fn, timeout: timeout}
	l.Server = httptest.NewServer(http.HandlerFunc(l.serve))
	return l
}

// Logs returns each invocation's log (what the function printed), in order.
func (l *Lambda) Logs() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.logs...)
}

func (l *Lambda) serve(w http.ResponseWriter, r *http.Request) {
	const prefix, suffix = "/2015-03-31/functions/", "/invocations"
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) || !strings.HasSuffix(r.URL.Path, suffix) {
		lambdaError(w, http.StatusNotFound, "UnknownOperationException", "lambdafake: only Invoke is served")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		lambdaError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, prefix), suffix)
	if name != l.name && !strings.HasSuffix(name, ":function:"+l.name) {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:123456789012:function:"+name)
		return
	}
	if t := r.Header.Get("X-Amz-Invocation-Type"); t != "" && t != "RequestResponse" {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "lambdafake: only RequestResponse is served, got "+t)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	// The function takes the payload as sent (it implements lambda.Handler),
	// as the Lambda Go runtime hands it over.
	var log bytes.Buffer
	fn := l.fn
	fn.Metrics = &log
	fn.Log = slog.New(slog.NewTextHandler(&log, nil))
	ctx, cancel := context.WithTimeout(r.Context(), l.timeout)
	defer cancel()
	out, err := fn.Invoke(ctx, body)
	l.mu.Lock()
	l.logs = append(l.logs, log.String())
	l.mu.Unlock()
	tail := ""
	if r.Header.Get("X-Amz-Log-Type") == "Tail" {
		b := log.Bytes()
		if len(b) > 4096 {
			b = b[len(b)-4096:]
		}
		tail = base64.StdEncoding.EncodeToString(b)
	}
	if ctx.Err() == context.DeadlineExceeded {
		functionError(w, tail, fmt.Sprintf("Task timed out after %.2f seconds", l.timeout.Seconds()), "Sandbox.Timedout")
		return
	}
	if err != nil {
		functionError(w, tail, err.Error(), errorType(err))
		return
	}
	if tail != "" {
		w.Header().Set("X-Amz-Log-Result", tail)
	}
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// functionError is how Lambda reports an error the function returned: 200,
// X-Amz-Function-Error, and the runtime's error document as the payload.
func functionError(w http.ResponseWriter, tail, msg, typ string) {
	if tail != "" {
		w.Header().Set("X-Amz-Log-Result", tail)
	}
	w.Header().Set("X-Amz-Function-Error", "Unhandled")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("Content-Type", "application/json")
	b, _ := json.Marshal(map[string]string{"errorMessage": msg, "errorType": typ})
	_, _ = w.Write(b)
}

// lambdaError is a Lambda API error (REST-JSON).
func lambdaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-Errortype", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"Type": "User", "message": msg})
	_, _ = w.Write(b)
}

// STS answers AssumeRole the way STS does: creds for the right role and
// external ID, AccessDenied otherwise.
func STS(roleARN, externalID, accessKeyID, secret, token string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		if r.Form.Get("Action") != "AssumeRole" || r.Form.Get("RoleArn") != roleARN || r.Form.Get("ExternalId") != externalID {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error><RequestId>lambdafake</RequestId></ErrorResponse>`, r.Form.Get("RoleArn"))
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>%s</Arn><AssumedRoleId>AROALOCAL:%s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>lambdafake</RequestId></ResponseMetadata></AssumeRoleResponse>`,
			accessKeyID, secret, token, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), roleARN, r.Form.Get("RoleSessionName"))
	}))
}

// errorType names the error's type as the Lambda Go runtime does.
func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Ptr {
		return t.Elem().Name()
	}
	return t.Name()
}

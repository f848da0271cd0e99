package mskiam

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
)

// VerifyOAuthBearer verifies an OAUTHBEARER client first message (RFC 7628
// section 3.1), "n,,\x01auth=Bearer <token>\x01\x01", whose token is the
// unpadded base64url presigned URL made by aws-msk-iam-sasl-signer-go or
// aws-msk-iam-auth's OAUTHBEARER handler. An authzid and extra key-value
// pairs (Kafka SASL extensions) are accepted and ignored.
//
// brokerHost is not checked: the clients always sign the regional host
// kafka.<Region>.amazonaws.com, never the broker's (see the package doc), so
// it only appears in error details.
func (v *Verifier) VerifyOAuthBearer(clientFirstMessage []byte, brokerHost string) (Session, error) {
	token, e := parseGS2(clientFirstMessage)
	if e != nil {
		return Session{}, e
	}
	p, e := parsePresignedURL(token)
	if e != nil {
		return Session{}, e
	}
	return v.verify(p, func(akid string) *Error {
		want := "kafka." + v.Region + ".amazonaws.com"
		if !strings.EqualFold(p.host, want) {
			return reject(WrongHost, akid, "the presigned URL's host is %s, want %s (OAUTHBEARER tokens sign the regional MSK host, not the broker %s)", clip(p.host), want, clip(brokerHost))
		}
		return nil
	})
}

// parseGS2 returns the bearer token of an RFC 7628 client first message:
//
//	client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep
//	gs2-header  = gs2-cbind-flag "," [ authzid ] ","
//	kvpair      = key "=" value kvsep ; key = 1*ALPHA
//	auth-value  = "Bearer" 1*SP b64token
func parseGS2(msg []byte) (string, *Error) {
	const kvsep = 0x01
	if len(msg) == 1 && msg[0] == kvsep {
		return "", reject(Malformed, "", "OAUTHBEARER message is the bare kvsep a client sends to end a failed exchange; it carries no token")
	}
	var rest []byte
	switch {
	case bytes.HasPrefix(msg, []byte("n,")), bytes.HasPrefix(msg, []byte("y,")):
		rest = msg[2:]
	case bytes.HasPrefix(msg, []byte("p=")):
		return "", reject(Malformed, "", "OAUTHBEARER message asks for channel binding (gs2 flag p=), which OAUTHBEARER does not support")
	default:
		return "", reject(Malformed, "", "OAUTHBEARER message does not start with the GS2 header \"n,,\" (got %s)", clip(string(msg[:min(len(msg), 8)])))
	}
	// [ authzid ] ","
	comma := bytes.IndexByte(rest, ',')
	if comma < 0 {
		return "", reject(Malformed, "", "OAUTHBEARER GS2 header is not terminated by ','")
	}
	if authzid := rest[:comma]; len(authzid) > 0 && !bytes.HasPrefix(authzid, []byte("a=")) {
		return "", reject(Malformed, "", "OAUTHBEARER GS2 header has %s where an authzid (a=...) or nothing belongs", clip(string(authzid)))
	}
	rest = rest[comma+1:]
	if len(rest) == 0 || rest[0] != kvsep {
		return "", reject(Malformed, "", "OAUTHBEARER GS2 header is not followed by \\x01")
	}
	rest = rest[1:]

	var auth string
	var haveAuth bool
	for {
		if len(rest) == 0 {
			return "", reject(Malformed, "", "OAUTHBEARER message does not end with \\x01\\x01")
		}
		if rest[0] == kvsep {
			if len(rest) != 1 {
				return "", reject(Malformed, "", "OAUTHBEARER message has %d byte(s) after its final \\x01", len(rest)-1)
			}
			break
		}
		end := bytes.IndexByte(rest, kvsep)
		if end < 0 {
			return "", reject(Malformed, "", "OAUTHBEARER key-value pair is not terminated by \\x01")
		}
		pair := rest[:end]
		rest = rest[end+1:]
		eq := bytes.IndexByte(pair, '=')
		if eq < 1 {
			return "", reject(Malformed, "", "OAUTHBEARER key-value pair %s has no key=value form", clip(string(pair)))
		}
		key, value := pair[:eq], pair[eq+1:]
		for _, c := range key {
			if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
				return "", reject(Malformed, "", "OAUTHBEARER key %s is not alphabetic", clip(string(key)))
			}
		}
		for _, c := range value {
			if !(0x21 <= c && c <= 0x7e || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				return "", reject(Malformed, "", "OAUTHBEARER value of %s has byte 0x%02x, outside VCHAR/SP/HTAB/CR/LF", clip(string(key)), c)
			}
		}
		if string(key) == "auth" {
			if haveAuth {
				return "", reject(Malformed, "", "OAUTHBEARER message has two auth values")
			}
			auth, haveAuth = string(value), true
		}
	}
	if !haveAuth {
		return "", reject(Malformed, "", "OAUTHBEARER message has no auth=Bearer <token> pair")
	}
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", reject(Malformed, "", "OAUTHBEARER auth value is not \"Bearer <token>\" (scheme %s)", clip(scheme))
	}
	token = strings.TrimLeft(token, " ")
	if token == "" {
		return "", reject(Malformed, "", "OAUTHBEARER bearer token is empty")
	}
	return token, nil
}

// parsePresignedURL decodes a token into the presigned URL and its query.
func parsePresignedURL(token string) (*presigned, *Error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(token, "="))
	if err != nil {
		return nil, reject(Malformed, "", "OAUTHBEARER token is not unpadded base64url: %v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		// Not err itself: url.Error quotes the whole URL, session token included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, reject(Malformed, "", "OAUTHBEARER token does not decode to a URL: %v", err)
	}
	if !strings.EqualFold(u.Scheme, "https") || u.Host == "" || u.Opaque != "" || u.User != nil || u.Fragment != "" {
		return nil, reject(Malformed, "", "OAUTHBEARER token decodes to a URL with scheme %s and host %s, not an https://host/?query presigned URL", clip(u.Scheme), clip(u.Host))
	}
	if u.Path != "" && u.Path != "/" {
		return nil, reject(Malformed, "", "presigned URL path is %s, want /", clip(u.Path))
	}
	if u.Port() != "" {
		return nil, reject(WrongHost, "", "presigned URL host %s has a port; the clients sign kafka.<region>.amazonaws.com without one", clip(u.Host))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, reject(Malformed, "", "presigned URL query does not parse: %v", err)
	}
	p := &presigned{host: u.Host, extra: url.Values{}}
	fields := [...]struct {
		name string
		dst  *string
	}{
		{"Action", &p.action},
		{"X-Amz-Algorithm", &p.algorithm},
		{"X-Amz-Credential", &p.credential},
		{"X-Amz-Date", &p.date},
		{"X-Amz-Expires", &p.expires},
		{"X-Amz-SignedHeaders", &p.signedHeaders},
		{"X-Amz-Signature", &p.signature},
	}
query:
	for k, vs := range q {
		if len(vs) != 1 {
			return nil, reject(Malformed, "", "presigned URL has query parameter %s %d times", clip(k), len(vs))
		}
		for _, f := range fields {
			if k == f.name {
				*f.dst = vs[0]
				continue query
			}
		}
		switch k {
		case "X-Amz-Security-Token":
			p.securityToken, p.hasToken = vs[0], vs[0] != ""
		case "User-Agent":
			// Appended after signing by both client libraries; not signed.
		default:
			p.extra[k] = vs
		}
	}
	for _, f := range fields {
		if *f.dst == "" {
			return nil, reject(Malformed, "", "presigned URL has no %s query parameter", f.name)
		}
	}
	return p, nil
}

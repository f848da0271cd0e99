// Package mskiam verifies Amazon MSK IAM SASL tokens offline, on the server
// side, the way an MSK broker's IAM listener (port 9098) does before it lets
// a client in.
//
// MSK accepts two SASL mechanisms for IAM. Both carry the same thing: an AWS
// Signature Version 4 presigned GET request for the action
// kafka-cluster:Connect, signed for the service name "kafka-cluster" with the
// client's IAM credentials. They differ in how it travels and which host it
// signs:
//
//   - OAUTHBEARER (RFC 7628), used by github.com/aws/aws-msk-iam-sasl-signer-go
//     and by aws-msk-iam-auth's IAMOAuthBearerLoginCallbackHandler. The client
//     first message is the GS2 message "n,,\x01auth=Bearer <token>\x01\x01",
//     where the token is the presigned URL encoded as unpadded base64url. The
//     URL always signs the regional host kafka.<region>.amazonaws.com, never
//     the broker's host: both client libraries build it from the region alone
//     (endpointURLTemplate in the Go signer, getHostName in the Java one). So
//     the broker host plays no part in an OAUTHBEARER token; the token is bound
//     to a region and is valid on every broker of every cluster there.
//     A "User-Agent" query parameter is appended after signing and is not
//     signed.
//
//   - AWS_MSK_IAM, used by aws-msk-iam-auth's IAMLoginModule (and so by
//     Databricks' Spark Kafka client) and by franz-go's pkg/sasl/aws. The
//     client first message is a JSON object of the presigned request's query
//     parameters with lowercased names, plus "version" (2020_10_22), "host"
//     and "user-agent". Here the signed host is the broker's own host name,
//     the one the client connected to, so a token is bound to one broker.
//     The server's final message is JSON too: {"version":"2020_10_22",
//     "request-id":"..."} (see AWSMSKIAMServerResponse).
//
// For either mechanism a Verifier checks, in this order, and reports the first
// failure as an *Error with a Reason:
//
//   - the message parses, X-Amz-Algorithm is AWS4-HMAC-SHA256 (Malformed);
//   - Action is kafka-cluster:Connect (WrongAction);
//   - the access key in X-Amz-Credential is one of Verifier.Credentials
//     (UnknownAccessKey);
//   - the credential scope's region is Verifier.Region (WrongRegion), its
//     service is kafka-cluster and it ends in aws4_request (Malformed);
//   - the signed host is kafka.<region>.amazonaws.com (OAUTHBEARER) or the
//     broker's host (AWS_MSK_IAM) (WrongHost);
//   - X-Amz-Date parses and matches the scope's date, X-Amz-SignedHeaders is
//     "host", X-Amz-Expires is 1..604800 seconds (Malformed);
//   - the token has not expired: X-Amz-Date + X-Amz-Expires is after Now
//     (Expired), and X-Amz-Date is at most MaxSkew ahead of Now (ClockSkew).
//     An old but unexpired token is accepted, as MSK does: Java and
//     librdkafka OAUTHBEARER clients reuse one token until ~80% of its
//     lifetime. A client clock running behind by more than the token
//     lifetime therefore shows as Expired (MaxAge opts into a stricter
//     check);
//   - X-Amz-Security-Token equals the credential's session token, and is
//     absent when the credential has none (SessionTokenMismatch);
//   - the signature, recomputed with aws-sdk-go-v2's SigV4 presigner for the
//     same host, query, signing time and credential, matches in constant time
//     (SignatureMismatch).
//
// On success the Session names the principal and when the token expires
// (signing time + X-Amz-Expires); a broker uses that for session_lifetime_ms
// so that clients re-authenticate (KIP-368) before it runs out.
//
// Errors never contain a secret access key or a session token.
package mskiam

// Package sigv4 verifies AWS Signature Version 4 on incoming requests, as API
// Gateway does for AWS_IAM auth, so that jobsd refuses what AWS would refuse.
//
// A Verifier recomputes each request's signature with aws-sdk-go-v2's signer
// from what the client signed: its SignedHeaders with the values received,
// the Host and the path exactly as sent (escaped once more in the canonical
// URI, as for every service but S3), the query, the X-Amz-Date, and the
// SHA-256 of the actual body. Refusals are *Error values worded as API
// Gateway words them; API Gateway answers them all with 403.
//
// Not supported, and refused: presigned URLs (auth in the query string),
// a Date header in place of X-Amz-Date, and headers that the SDK's signer
// never signs (User-Agent, Expect, Transfer-Encoding, X-Amzn-Trace-Id) or a
// signed Content-Length of 0. newman, curl --aws-sigv4 and the AWS SDKs
// send none of these.
package sigv4

// Package auth is the inbound side of authentication: an http.Handler
// middleware that lets a request reach an exposing adapter (REST, MCP, …) only
// with the credentials that the adapter's `authentication` block declares
// (the reference engine's server-side authentication).
//
//	bearer  Authorization: Bearer <token>; the expected token is the template
//	        `token` rendered against the capability's bind values.
//	apikey  the header (placement header, the default) or query parameter
//	        `key` must carry `value`.
//	basic   Authorization: Basic with `username` and `password`.
//	oauth2  a JWT bearer token (RS/PS/ES 256–512) verified against the keys
//	        of the authorization server (`authorizationServerUri`, or the
//	        issuer of `tokenEndpoint`), found through its RFC 8414 / OpenID
//	        metadata and cached; exp, nbf, iss, aud (audience or resource) and
//	        every configured scope are checked. MCP adapters also serve RFC
//	        9728 protected-resource metadata.
//
// digest and oauth2 token introspection are not supported yet: New reports
// them.
//
// Credentials are compared in constant time (on their SHA-256, so that not
// even the length leaks). Failures are RFC 9457 problem details with a
// WWW-Authenticate challenge:
//
//	urn:naftiko:problem:unauthorized  401 missing, wrong or expired credentials
//	urn:naftiko:problem:forbidden     403 a valid token without a required scope
//
// A credential never appears in a log line or a response; once checked it
// is removed from the request (header or query parameter), so an adapter can
// neither pass it upstream nor show it to a tool.
package auth

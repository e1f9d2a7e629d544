// Package rest serves a capability's `type: rest` adapter as an http.Handler
// built on chi.
//
// Routes are exactly the resources' paths ({x} and {{x}} are both path
// variables). Each request is turned into expose.Inputs (declared
// inputParameters, validated; or implicitly path variables, query parameters,
// headers and the JSON body), handed to the expose.Invoker, and the Result is
// written back unchanged: upstream status, body and content type, including
// upstream 4xx/5xx answers.
//
// Errors made by the engine or by this package are RFC 9457 problem details
// (application/problem+json) with these stable type URIs:
//
//	urn:naftiko:problem:bad-input               400 a caller input is missing or invalid (member "param" names it)
//	urn:naftiko:problem:not-found               404 no resource has this path
//	urn:naftiko:problem:method-not-allowed      405 the path exists, not with this method (Allow lists the methods)
//	urn:naftiko:problem:too-large               413 the request body exceeds the size limit
//	urn:naftiko:problem:unsupported-media-type  415 a request body that is not JSON
//	urn:naftiko:problem:internal                500 a bug or a panic; details are logged, not shown
//	urn:naftiko:problem:not-supported           501 the endpoint uses a construct the engine cannot run yet
//	urn:naftiko:problem:upstream-unreachable    502 the upstream API could not be reached or answered garbage
//	urn:naftiko:problem:upstream-timeout        504 the upstream API did not answer in time
package rest

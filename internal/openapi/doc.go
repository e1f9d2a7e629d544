// Package openapi generates the OpenAPI 3.1 document of a REST adapter from
// the capability file: what `naftiko export openapi` writes and what the REST
// adapter serves at GET /openapi.json.
package openapi

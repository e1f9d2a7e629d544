// Package e2e runs the naftiko binary as a user would and drives it with
// independent MCP clients: the official TypeScript SDK client (client.mjs, on
// the machine's Node) and the official conformance runner (on the Node 22 from
// node_modules). Nothing in this package is imported by the program; it holds
// only tests. Install the clients once with `make e2e-deps`.
package e2e

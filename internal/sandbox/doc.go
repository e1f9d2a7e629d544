// Package sandbox is logto-sandbox: an in-process emulator of the part of Logto's Management API
// that the organization-invitation capability uses, so that nobody needs a Logto tenant and no
// test reaches the internet.
//
// It reproduces, down to status codes, error codes, messages and JSON key order, the behaviour
// recorded in shared/reference/logto-organization-invitations.md (Logto core 1.42.0):
//
//   - the six /api/organization-invitations endpoints with their state machine, filters and
//     validation (zod-like guard.invalid_input bodies with data.issues and details);
//   - minimal but real organizations, organization roles, users and memberships, which the
//     invitation rules depend on (foreign keys, membership, accept side effects, cascades);
//   - Management API authentication: POST /oidc/token (client credentials) issuing HS256-signed
//     JWTs, the auth.* errors, an optional fixed token and the optional development-user-id header;
//   - a built-in outbox in place of an email connector, with Logto's per-recipient rate limit.
//
// Everything lives in memory; with Options.DataFile the whole state is written to a JSON file
// after every change (atomically) and read back at start.
//
// The package depends on nothing else in the module on purpose: it plays the part of a remote
// server, so it must not share code with the engine it is used to test.
package sandbox

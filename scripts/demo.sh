#!/usr/bin/env bash
# The README's first command (`make demo`): the Logto sandbox on SANDBOX_PORT,
# naftiko serving the Logto capability in front of it on REST_PORT (REST) and
# MCP_PORT (MCP), seeded with an organization, a role and a user. Ctrl-C stops
# both. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

REST_PORT=${REST_PORT:-8080}
MCP_PORT=${MCP_PORT:-9090}
SANDBOX_PORT=${SANDBOX_PORT:-3001}
TOKEN=${DEMO_TOKEN:-demo-token-$RANDOM$RANDOM}
SANDBOX=http://127.0.0.1:$SANDBOX_PORT
CAPABILITY=capabilities/logto-organization-invitations.yaml
mkdir -p .demo

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped"
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

bin/logto-sandbox --addr "127.0.0.1:$SANDBOX_PORT" --token "$TOKEN" >.demo/sandbox.log 2>&1 &
pids+=($!)

# Wait (bounded) until the sandbox answers.
for _ in $(seq 1 100); do
  if curl -fsS --max-time 1 "$SANDBOX/sandbox/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "the sandbox did not start:"; cat .demo/sandbox.log; exit 1; fi
  sleep 0.1
done
curl -fsS --max-time 1 "$SANDBOX/sandbox/health" >/dev/null || { echo "the sandbox is not answering on $SANDBOX"; cat .demo/sandbox.log; exit 1; }

api() { # METHOD PATH [JSON]
  curl -fsS --max-time 5 -X "$1" "$SANDBOX$2" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' ${3:+-d "$3"}
}
first_id() { grep -o '"id":"[0-9a-z]*"' | head -n 1 | cut -d'"' -f4; }

ORG_ID=$(api POST /api/organizations '{"name":"Acme","description":"Demo organization"}' | first_id)
ROLE_ID=$(api POST /api/organization-roles '{"name":"member","description":"Demo role"}' | first_id)
USER_ID=$(api POST /api/users '{"primaryEmail":"jane@example.com","name":"Jane"}' | first_id)

LOGTO_API_KEY=$TOKEN bin/naftiko serve \
  --base-uri "logto-organization-invitations=$SANDBOX" \
  --port "logto-organization-invitations-rest=$REST_PORT" \
  --port "logto-organization-invitations-mcp=$MCP_PORT" \
  "$CAPABILITY" &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS --max-time 1 "http://127.0.0.1:$REST_PORT/v1/api/organization-invitations" -o /dev/null 2>/dev/null; then break; fi
  kill -0 "${pids[1]}" 2>/dev/null || { echo "naftiko did not start (see its message above)"; exit 1; }
  sleep 0.1
done
kill -0 "${pids[1]}" 2>/dev/null && curl -fsS --max-time 1 "http://127.0.0.1:$REST_PORT/v1/api/organization-invitations" -o /dev/null 2>/dev/null \
  || { echo "naftiko is not answering on 127.0.0.1:$REST_PORT"; exit 1; }

EXPIRES=$(( ($(date +%s) + 7 * 24 * 3600) * 1000 ))
cat <<MSG

naftiko is serving $CAPABILITY
  REST  http://127.0.0.1:$REST_PORT/v1/api/organization-invitations
  MCP   http://127.0.0.1:$MCP_PORT/mcp   (streamable HTTP)
  upstream: the Logto sandbox at $SANDBOX (organization $ORG_ID, role $ROLE_ID, user $USER_ID <jane@example.com>)

Try, in another terminal:

  # invite Jane to the organization (REST)
  curl -s -X POST http://127.0.0.1:$REST_PORT/v1/api/organization-invitations \\
    -H 'Content-Type: application/json' \\
    -d '{"invitee":"jane@example.com","organizationId":"$ORG_ID","organizationRoleIds":["$ROLE_ID"],"expiresAt":$EXPIRES}'

  # list the invitations (REST)
  curl -s http://127.0.0.1:$REST_PORT/v1/api/organization-invitations?organizationId=$ORG_ID

  # the same through MCP, as an agent would call it
  curl -s http://127.0.0.1:$MCP_PORT/mcp -H 'Content-Type: application/json' \\
    -H 'Accept: application/json, text/event-stream' \\
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get-organization-invitations","arguments":{"organizationId":"$ORG_ID"}}}'

Press Ctrl-C to stop both.
MSG
wait "${pids[@]}"

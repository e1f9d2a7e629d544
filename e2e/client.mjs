// client.mjs drives an MCP server over streamable HTTP with the official
// TypeScript SDK client, the way an independent MCP host would.
//
// Usage:
//   node client.mjs [--header 'Name: value']... URL [CALLS]
//
// CALLS is a JSON array of {"name": "...", "arguments": {...}}, given either
// inline (an argument starting with "[") or as the path of a JSON file.
//
// stdout receives exactly one JSON document:
//   {
//     "serverInfo": {...}, "protocolVersion": "...", "capabilities": {...},
//     "instructions": "...", "tools": [...],
//     "calls": [{"name", "arguments", "result": {...}} |
//               {"name", "arguments", "error": {"code", "message", "data"}}]
//   }
// Diagnostics go to stderr. Exit codes: 0 done (tool errors are data, not
// failures), 1 failure while listing tools, 2 usage error, 3 connection failure.

import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

// Nothing but the result document may reach stdout, whatever a library logs.
for (const level of ["log", "info", "debug", "warn", "trace"]) {
  console[level] = (...args) => console.error(...args);
}

function usage(msg) {
  process.stderr.write(`client.mjs: ${msg}\nusage: node client.mjs [--header 'Name: value']... URL [CALLS.json | '[...]']\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const headers = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--header" || a === "-H") {
      const h = argv[++i];
      const idx = h === undefined ? -1 : h.indexOf(":");
      if (idx <= 0) usage(`bad --header ${JSON.stringify(h)}, want 'Name: value'`);
      headers[h.slice(0, idx).trim()] = h.slice(idx + 1).trim();
    } else if (a.startsWith("--")) {
      usage(`unknown flag ${a}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length < 1 || positional.length > 2) usage("want URL and optional CALLS");
  let url;
  try {
    url = new URL(positional[0]);
  } catch {
    usage(`bad URL ${JSON.stringify(positional[0])}`);
  }
  let calls = [];
  if (positional.length === 2) {
    const src = positional[1];
    try {
      calls = JSON.parse(src.trimStart().startsWith("[") ? src : readFileSync(src, "utf8"));
    } catch (e) {
      usage(`cannot read calls ${JSON.stringify(src)}: ${e.message}`);
    }
    if (!Array.isArray(calls) || calls.some((c) => typeof c?.name !== "string")) {
      usage("calls must be a JSON array of {name, arguments}");
    }
  }
  return { url, headers, calls };
}

function errorOf(e) {
  const out = { message: String(e?.message ?? e) };
  if (typeof e?.code === "number") out.code = e.code;
  if (e?.data !== undefined) out.data = e.data;
  return out;
}

function emit(doc) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(doc, null, 2) + "\n", resolve));
}

const { url, headers, calls } = parseArgs(process.argv.slice(2));
const client = new Client({ name: "naftiko-e2e", version: "0.0.1" });
const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });

try {
  await client.connect(transport);
} catch (e) {
  process.stderr.write(`client.mjs: connect ${url}: ${e?.stack ?? e}\n`);
  process.exit(3);
}

const doc = {
  serverInfo: client.getServerVersion(),
  protocolVersion: transport.protocolVersion,
  capabilities: client.getServerCapabilities(),
  instructions: client.getInstructions(),
  tools: [],
  calls: [],
};

try {
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    doc.tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
} catch (e) {
  process.stderr.write(`client.mjs: tools/list: ${e?.stack ?? e}\n`);
  await client.close().catch(() => {});
  process.exit(1);
}

for (const call of calls) {
  const entry = { name: call.name, arguments: call.arguments ?? {} };
  try {
    entry.result = await client.callTool({ name: call.name, arguments: entry.arguments });
  } catch (e) {
    entry.error = errorOf(e);
  }
  doc.calls.push(entry);
}

// A stateless server issues no session, so there is nothing to terminate.
if (transport.sessionId) await transport.terminateSession().catch(() => {});
await client.close().catch(() => {});
await emit(doc);
process.exit(0);

// client.mjs drives an MCP server over streamable HTTP, or over stdio, with
// the official TypeScript SDK client, the way an independent MCP host would.
//
// Usage:
//   node client.mjs [--header 'Name: value']... URL [CALLS]
//   node client.mjs --stdio COMMAND [--env NAME=VALUE]... [CALLS]
//
// --stdio spawns the server with StdioClientTransport, as a desktop client
// does from its mcpServers configuration. COMMAND is a JSON array
// ('["naftiko","serve","cap.yaml"]') or a string split on whitespace. The
// server's environment is the SDK's default one (HOME, LOGNAME, PATH, SHELL,
// TERM, USER) plus each --env; its stderr is this program's stderr. After the
// calls the client closes (the SDK ends the server's stdin, then signals it
// after 2 s) and the document gains
//   "server": {"pid", "exit": {"code", "signal", "killed"}}
// where killed is true when the SDK had to signal the server because it did
// not exit on end of input.
//
// CALLS is a JSON array of {"name": "...", "arguments": {...}}, given either
// inline (an argument starting with "[") or as the path of a JSON file.
// Calls run in order, so a later call can use an earlier result: in the
// arguments, a string that is exactly "${callN.PATH}" is replaced by the value
// (any JSON type) at the dot-separated PATH of call N's result, for example
// "${call0.structuredContent.id}"; inside a longer string the value is
// interpolated as text. A reference that does not resolve makes that call an
// error entry (not sent). Strings without "${call" are left alone.
//
// stdout receives exactly one JSON document:
//   {
//     "serverInfo": {...}, "protocolVersion": "...", "capabilities": {...},
//     "instructions": "...", "tools": [...],
//     "calls": [{"name", "arguments" (references resolved), "result": {...}} |
//               {"name", "arguments", "error": {"code", "message", "data"}}]
//   }
// Diagnostics go to stderr. Exit codes: 0 done (tool errors are data, not
// failures), 1 failure while listing tools, 2 usage error, 3 connection failure.

import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

// Nothing but the result document may reach stdout, whatever a library logs.
for (const level of ["log", "info", "debug", "warn", "trace"]) {
  console[level] = (...args) => console.error(...args);
}

function usage(msg) {
  process.stderr.write(
    `client.mjs: ${msg}\nusage: node client.mjs [--header 'Name: value']... URL [CALLS.json | '[...]']\n` +
      `       node client.mjs --stdio COMMAND [--env NAME=VALUE]... [CALLS.json | '[...]']\n`,
  );
  process.exit(2);
}

// parseCommand reads --stdio's COMMAND: a JSON array of strings or a
// whitespace-separated string.
function parseCommand(src) {
  let cmd;
  if (src?.trimStart().startsWith("[")) {
    try {
      cmd = JSON.parse(src);
    } catch (e) {
      usage(`bad --stdio ${JSON.stringify(src)}: ${e.message}`);
    }
  } else {
    cmd = (src ?? "").trim().split(/\s+/).filter(Boolean);
  }
  if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((a) => typeof a !== "string")) {
    usage(`bad --stdio ${JSON.stringify(src)}, want a command and its arguments`);
  }
  return { command: cmd[0], args: cmd.slice(1) };
}

function parseArgs(argv) {
  const headers = {};
  const env = {};
  let stdio;
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stdio") {
      stdio = parseCommand(argv[++i]);
    } else if (a === "--env") {
      const kv = argv[++i];
      const idx = kv === undefined ? -1 : kv.indexOf("=");
      if (idx <= 0) usage(`bad --env ${JSON.stringify(kv)}, want NAME=VALUE`);
      env[kv.slice(0, idx)] = kv.slice(idx + 1);
    } else if (a === "--header" || a === "-H") {
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
  let url;
  if (stdio) {
    if (Object.keys(headers).length > 0) usage("--header is for HTTP, not --stdio");
    if (positional.length > 1) usage("with --stdio, want only optional CALLS");
  } else {
    if (Object.keys(env).length > 0) usage("--env needs --stdio");
    if (positional.length < 1 || positional.length > 2) usage("want URL and optional CALLS");
    const u = positional.shift();
    try {
      url = new URL(u);
    } catch {
      usage(`bad URL ${JSON.stringify(u)}`);
    }
  }
  let calls = [];
  if (positional.length === 1) {
    const src = positional[0];
    try {
      calls = JSON.parse(src.trimStart().startsWith("[") ? src : readFileSync(src, "utf8"));
    } catch (e) {
      usage(`cannot read calls ${JSON.stringify(src)}: ${e.message}`);
    }
    if (!Array.isArray(calls) || calls.some((c) => typeof c?.name !== "string")) {
      usage("calls must be a JSON array of {name, arguments}");
    }
  }
  return { url, headers, stdio, env, calls };
}

function errorOf(e) {
  const out = { message: String(e?.message ?? e) };
  if (typeof e?.code === "number") out.code = e.code;
  if (e?.data !== undefined) out.data = e.data;
  return out;
}

// ref matches one "${callN.PATH}" reference.
const ref = /\$\{call(\d+)((?:\.[^.{}]+)*)\}/g;

// resolveRef returns the value a reference names, or throws.
function resolveRef(done, text, index, path) {
  const n = Number(index);
  const prev = done[n];
  if (prev === undefined) throw new Error(`${text}: call ${n} has not run`);
  if (prev.result === undefined) throw new Error(`${text}: call ${n} has no result`);
  let v = prev.result;
  for (const key of path.split(".").slice(1)) {
    if (v === null || typeof v !== "object" || !(key in v)) throw new Error(`${text}: no ${JSON.stringify(key)} in call ${n}'s result`);
    v = v[key];
  }
  return v;
}

// substitute returns value with every reference to earlier calls resolved.
function substitute(value, done) {
  if (typeof value === "string") {
    const whole = new RegExp(`^${ref.source}$`).exec(value);
    if (whole) return resolveRef(done, value, whole[1], whole[2]);
    return value.replace(ref, (text, index, path) => {
      const v = resolveRef(done, text, index, path);
      return typeof v === "string" ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, done));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, done)]));
  }
  return value;
}

function emit(doc) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(doc, null, 2) + "\n", resolve));
}

const { url, headers, stdio, env, calls } = parseArgs(process.argv.slice(2));
const client = new Client({ name: "naftiko-e2e", version: "0.0.1" });
let transport;
let negotiated; // the protocol version, as the client tells a stdio transport
if (stdio) {
  transport = new StdioClientTransport({ command: stdio.command, args: stdio.args, env, stderr: "inherit" });
  transport.setProtocolVersion = (v) => {
    negotiated = v;
  };
} else {
  transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
}
const target = stdio ? [stdio.command, ...stdio.args].join(" ") : String(url);

// child is the server process of a stdio transport and exited resolves with
// how it ended. The SDK does not expose the ChildProcess (only its pid), so
// this reads the transport's _process right after start; the SDK version is
// pinned by package-lock.json.
let child;
let exited;
try {
  await client.connect(transport);
  if (stdio) {
    child = transport._process;
    if (!child) throw new Error("the server process ended during initialization");
    exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once("exit", (code, signal) => resolve({ code, signal }));
    });
  }
} catch (e) {
  process.stderr.write(`client.mjs: connect ${target}: ${e?.stack ?? e}\n`);
  await transport.close?.().catch(() => {});
  process.exit(3);
}

const doc = {
  serverInfo: client.getServerVersion(),
  protocolVersion: stdio ? negotiated : transport.protocolVersion,
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
    entry.arguments = substitute(entry.arguments, doc.calls);
  } catch (e) {
    entry.error = { message: `client.mjs: ${e.message}` };
    doc.calls.push(entry);
    continue;
  }
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
if (stdio) {
  const exit = await exited;
  doc.server = { pid: child.pid, exit: { ...exit, killed: child.killed } };
}
await emit(doc);
process.exit(0);

#!/usr/bin/env node
// Runs the graphql-http GraphQL-over-HTTP server audit suite (`serverAudits`
// from the `graphql-http` npm package, version pinned in package.json)
// against a running server and prints ONE JSON object on stdout:
//
//   { "ok": n, "warn": n, "error": n, "notice": n,
//     "results": [ { "id", "name", "status", "reason", "httpStatus" }, ... ] }
//
// Audit names start with MUST / SHOULD / MAY. graphql-http maps a failed MUST
// to "error", a failed SHOULD to "warn" and a failed MAY to "notice".
// "reason" is null for passing audits; "httpStatus" is the status code of the
// response that failed the audit (null when passing or unknown).
//
// Usage: npm ci && node audit.mjs http://127.0.0.1:8000/graphql
//
// The Rust integration test starts rights-graph, runs this script with the
// server's GraphQL URL, parses stdout and asserts on the per-audit statuses
// (e.g. no "error" results). Exit codes: 0 whenever the audit run itself
// worked (pass/fail is the caller's decision), 2 on usage errors or when the
// server cannot be reached.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (process.argv.length !== 3 || !/^https?:\/\//.test(url ?? '')) {
  console.error('usage: node audit.mjs <url>   (e.g. http://127.0.0.1:8000/graphql)');
  process.exit(2);
}

// Preflight: any HTTP response means "reachable"; only network errors count.
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
} catch (err) {
  console.error(`server unreachable at ${url}: ${err.cause?.message ?? err.message}`);
  process.exit(2);
}

const counts = { ok: 0, warn: 0, error: 0, notice: 0 };
const results = [];
// Run sequentially: deterministic order and gentle on the server.
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // graphql-http throws only on "fatal" problems (network failure, a JSON
    // body that is not an object, ...). Record it as a failed audit.
    result = { status: 'error', reason: `audit threw: ${err.cause?.message ?? err.message}` };
  }
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  results.push({
    id: audit.id,
    name: audit.name,
    status: result.status,
    reason: result.reason ?? null,
    httpStatus: result.response?.status ?? null,
  });
}

console.log(JSON.stringify({ ...counts, results }, null, 2));

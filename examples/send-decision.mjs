#!/usr/bin/env node
// Sends one decision to imply-runbooks' generic decision endpoint (POST /api/decisions), signed the
// way the endpoint checks: X-Imply-Runbooks-Signature: sha256=<hex HMAC-SHA256 of "v1:<timestamp>:<body>">
// keyed with IMPLY_RUNBOOKS_DECISION_SECRET. A Teams or Mattermost bot does the same after it has
// verified its own platform's request and mapped its user to a person.
//
//   IMPLY_RUNBOOKS_DECISION_SECRET=… node examples/send-decision.mjs \
//     --url https://runbooks.example.com --runbook change:<uid> --plan 1 --as alice approve
//   … reject --comment "not during the freeze"
//
// Node 20 or later, nothing to install. Prints the endpoint's JSON answer; exits 1 when refused.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    runbook: { type: 'string' },
    plan: { type: 'string' },
    as: { type: 'string' },
    comment: { type: 'string' },
    via: { type: 'string', default: 'teams' },
  },
});
const decision = positionals[0];
const secret = process.env.IMPLY_RUNBOOKS_DECISION_SECRET;
if (
  !values.url ||
  !values.runbook ||
  !values.plan ||
  !values.as ||
  !['approve', 'reject'].includes(decision)
) {
  console.error(
    'usage: send-decision.mjs --url <web server> --runbook <id> --plan <version> --as <person> [--comment <text>] approve|reject',
  );
  process.exit(2);
}
if (!secret) {
  console.error('IMPLY_RUNBOOKS_DECISION_SECRET is not set: export the secret the web server has');
  process.exit(2);
}

const body = JSON.stringify({
  runbookId: values.runbook,
  planVersion: Number(values.plan),
  decision,
  decider: values.as,
  ...(values.comment ? { comment: values.comment } : {}),
  via: values.via,
});
const timestamp = Math.floor(Date.now() / 1000);
const signature = createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex');
const response = await fetch(new URL('/api/decisions', values.url), {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'x-imply-runbooks-timestamp': String(timestamp),
    'x-imply-runbooks-signature': `sha256=${signature}`,
  },
  body,
});
console.log(`${response.status} ${await response.text()}`.trim());
process.exit(response.ok ? 0 : 1);

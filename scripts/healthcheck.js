#!/usr/bin/env node
'use strict';
/**
 * The Docker image's HEALTHCHECK: GET IMPLY_RUNBOOKS_HEALTHCHECK_URL (the worker's or the web server's
 * /healthz) and exit 0 on a 2xx answer, 1 otherwise. Without the variable (a one-off CLI container)
 * there is nothing to check: exit 0. Plain JavaScript, so a check costs no TypeScript compile.
 */
const url = (process.env.IMPLY_RUNBOOKS_HEALTHCHECK_URL || '').trim();
const TIMEOUT_MS = 4000;

async function main() {
  if (!url) return 0;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.ok) return 0;
    console.error(`${url} answered ${response.status}`);
  } catch (error) {
    console.error(
      `${url}: ${error && error.cause ? error.cause.code || error.cause.message : error.message}`,
    );
  }
  return 1;
}

main().then((code) => process.exit(code));

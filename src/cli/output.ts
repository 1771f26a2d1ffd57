import { exitCodeOfError } from './exit-codes';
import { ZodError } from 'zod';
import { CloudManagerError } from '../cloud-manager/errors';
import { FailureType } from '../shared/failure-types';
import { formatTarget } from '../cloud-manager/validation';
import { ENCRYPTED_ENCODING } from '../codec/encryption-codec';
import { CODEC_KEYS_VARIABLE } from '../codec/keys';
import { escapeControlCharacters, escapeJsonText } from '../shared/terminal-text';
import { cell, formatTable, type Column } from '../shared/text-table';

export { formatTable, type Column } from '../shared/text-table';

/** How every CLI command prints: aligned tables for people, JSON for scripts, errors that say what to do. */

type Write = (text: string) => void;
const toStdout: Write = (text) => process.stdout.write(text);

/**
 * A template tag for output lines: every interpolated value has its control characters escaped, so
 * a cluster name or id holding a newline or an escape sequence cannot forge or hide a line. Pure.
 */
export function safe(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce(
    (line, text, index) =>
      index === 0 ? text : `${line}${escapeControlCharacters(String(values[index - 1]))}${text}`,
    '',
  );
}

/** Prints rows as a table on stdout. */
export function printTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  write: Write = toStdout,
): void {
  write(formatTable(rows, columns));
}

/** Prints `key  value` lines, aligned, for one object. */
export function printFields(fields: ReadonlyArray<[string, unknown]>, write: Write = toStdout): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  write(fields.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${cell(value)}`).join('\n') + '\n');
}

/** Prints a value as indented JSON on stdout, for scripts and `jq`. */
export function printJson(value: unknown, write: Write = toStdout): void {
  write(`${escapeJsonText(JSON.stringify(value, null, 2))}\n`);
}

function adviceFor(error: CloudManagerError): string | undefined {
  switch (error.type) {
    case FailureType.Throttled: {
      const wait =
        error.retryAfterMs === undefined ? 'a moment' : `${Math.ceil(error.retryAfterMs / 1000)} s`;
      return `The API is limiting requests: wait ${wait} and try again.`;
    }
    case FailureType.ServerError:
      return 'The API had a server-side problem: try again shortly; if it persists, contact Imply support.';
    case FailureType.ClusterBusy:
      return 'The cluster is busy with another change: wait until `imply-runbooks clusters get <id>` shows RUNNING or STOPPED, then try again.';
    case FailureType.ContractViolation:
      return 'The answer was not what Cloud Manager API v1 sends: check that IMPLY_API_URL / --api-url points at .../api/v1.';
    case FailureType.Rejected:
      if (error.status === 404) return 'Run `imply-runbooks clusters list` to see the cluster ids and names.';
      if (error.status === 400) return 'Fix the fields listed and try again.';
      return undefined;
    default:
      return undefined;
  }
}

function environmentSecrets(): string[] {
  return [process.env.IMPLY_TOKEN, process.env.IMPLY_CLIENT_SECRET].filter(
    (value): value is string => typeof value === 'string' && value.length >= 4,
  );
}

function describeUnredacted(error: unknown): string {
  if (error instanceof CloudManagerError) {
    const advice = error.message.includes('Fix:') ? undefined : adviceFor(error);
    return advice ? `${ensureSentence(error.message)} ${advice}` : error.message;
  }
  if (error instanceof ZodError) {
    const listing = error.issues.map((issue) => `${formatTarget(issue.path)}: ${issue.message}`).join('; ');
    return `Invalid input: ${listing}. Fix the fields listed and try again.`;
  }
  if (error instanceof Error && error.name === 'ValueError' && error.message.includes(ENCRYPTED_ENCODING)) {
    return `${error.message}: this runbook's payloads are encrypted. Set ${CODEC_KEYS_VARIABLE} to the keys the workers use.`;
  }
  if (error instanceof Error && error.name === 'WorkflowNotFoundError') {
    return `${error.message}. \`imply-runbooks list\` shows the runbook ids (lifecycle:<cluster name>, …).`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** One paragraph that says what went wrong and what to do, with any secret from the environment removed. Pure but for reading process.env. */
export function describeError(error: unknown, secrets: readonly string[] = environmentSecrets()): string {
  let text = describeUnredacted(error).replace(/\s*\n\s*/g, ' ');
  for (const secret of secrets) text = text.split(secret).join('[redacted]');
  return escapeControlCharacters(text);
}

/** Prints an error to stderr and sets the exit code its kind calls for (exit-codes.ts), without throwing. */
export function reportError(error: unknown, write: Write = (text) => process.stderr.write(text)): void {
  write(`imply-runbooks: ${describeError(error)}\n`);
  process.exitCode = exitCodeOfError(error);
}

/** Wraps a command body so any failure prints as advice on stderr with exit code 1. */
export function action<Args extends unknown[]>(
  body: (...args: Args) => Promise<void>,
): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    try {
      await body(...args);
    } catch (error) {
      reportError(error);
    }
  };
}

function ensureSentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

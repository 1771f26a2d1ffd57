/**
 * Keeps secrets out of logs twice over: values under secret-sounding keys are replaced whatever they
 * hold, and the secret values this process knows (tokens, client secrets, API keys, webhook URLs from
 * its environment) are cut out of every string, so a secret echoed inside an error message goes too.
 */

export const REDACTED = '[redacted]';

/** Keys whose values are secrets: `token`, `clientSecret`, `apiKey`, `authorization`, `webhookUrl`, … */
const SECRET_KEY = /token|secret|password|passwd|api[-_]?key|authorization|cookie|webhook|credential/i;
/** Environment variables that hold secrets by their name. */
const SECRET_VARIABLE = /TOKEN|SECRET|PASSWORD|API_KEY|WEBHOOK|CREDENTIAL/i;
/** A value this short is not a secret worth scrubbing everywhere (and would mangle ordinary text). */
const MIN_SECRET_LENGTH = 8;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const URL_USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi;
const MAX_DEPTH = 8;

/** The secret values in `env`: variables named like TOKEN, SECRET, API_KEY, WEBHOOK and the like. Reads only. */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    const trimmed = value?.trim();
    if (trimmed && trimmed.length >= MIN_SECRET_LENGTH && SECRET_VARIABLE.test(name)) values.add(trimmed);
  }
  // Longest first, so a secret that contains another is cut whole.
  return [...values].sort((left, right) => right.length - left.length);
}

/** `text` with every known secret, bearer token and URL password replaced by [redacted]. Pure. */
export function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  return result.replace(BEARER, `$1 ${REDACTED}`).replace(URL_USER_INFO, `$1${REDACTED}@`);
}

function redactError(error: Error, secrets: readonly string[], depth: number): Record<string, unknown> {
  const plain: Record<string, unknown> = { type: error.name, message: error.message };
  for (const [key, value] of Object.entries(error)) plain[key] = value;
  if (error.stack) plain.stack = error.stack;
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined) plain.cause = cause;
  return redactObject(plain, secrets, depth);
}

function redactObject(object: object, secrets: readonly string[], depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    result[key] =
      SECRET_KEY.test(key) && value !== undefined && value !== null && value !== ''
        ? REDACTED
        : redactValue(value, secrets, depth + 1);
  }
  return result;
}

/** A copy of `value` with secrets redacted (see the file's comment); errors become plain objects. Pure. */
export function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return redactError(value, secrets, depth);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  if (value instanceof Date) return value.toISOString();
  // A SecretValue (or anything else) that says how it wants to be written wins: it prints [redacted].
  const toJSON = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJSON === 'function') return redactValue(toJSON.call(value), secrets, depth + 1);
  return redactObject(value, secrets, depth);
}

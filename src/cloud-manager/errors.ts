import { FailureType, type FailureTypeName } from '../shared/failure-types';
import { errorEnvelopeSchema, type ErrorDetail } from './schemas/cluster';

/** Everything a caller needs to decide what to do with a failed Cloud Manager call. */
export interface CloudManagerErrorInfo {
  /** HTTP status, when the server answered. */
  status?: number;
  /** Imply's `error.code` (BadArgument, NotFound, StateConflict, …). */
  code?: string;
  details?: ErrorDetail[];
  /** Milliseconds the server asked us to wait (Retry-After), when it did. */
  retryAfterMs?: number;
  /** The call that failed, without query string or credentials: `PUT /clusters/{id}`. */
  operation?: string;
}

/** Base of every error the client throws. `type` is one of FailureType; `retryable` says whether a retry can help. */
export class CloudManagerError extends Error implements CloudManagerErrorInfo {
  readonly type: FailureTypeName;
  readonly retryable: boolean;
  readonly status?: number;
  readonly code?: string;
  readonly details: ErrorDetail[];
  readonly retryAfterMs?: number;
  readonly operation?: string;

  constructor(type: FailureTypeName, retryable: boolean, message: string, info: CloudManagerErrorInfo = {}) {
    super(message);
    this.name = type;
    this.type = type;
    this.retryable = retryable;
    this.status = info.status;
    this.code = info.code;
    this.details = info.details ?? [];
    this.retryAfterMs = info.retryAfterMs;
    this.operation = info.operation;
  }

  /** A plain, secret-free object for ApplicationFailure details and `--json` output. */
  toJSON(): Record<string, unknown> {
    return {
      type: this.type,
      message: this.message,
      retryable: this.retryable,
      status: this.status,
      code: this.code,
      details: this.details,
      retryAfterMs: this.retryAfterMs,
      operation: this.operation,
    };
  }
}

export class CloudManagerUnavailable extends CloudManagerError {
  constructor(message: string, info?: CloudManagerErrorInfo) {
    super(FailureType.Unavailable, true, message, info);
  }
}
export class CloudManagerThrottled extends CloudManagerError {
  constructor(message: string, info?: CloudManagerErrorInfo) {
    super(FailureType.Throttled, true, message, info);
  }
}
export class CloudManagerServerError extends CloudManagerError {
  constructor(message: string, info?: CloudManagerErrorInfo) {
    super(FailureType.ServerError, true, message, info);
  }
}
export class ClusterBusy extends CloudManagerError {
  constructor(message: string, info?: CloudManagerErrorInfo) {
    super(FailureType.ClusterBusy, true, message, info);
  }
}
export class CloudManagerRejected extends CloudManagerError {
  constructor(message: string, info?: CloudManagerErrorInfo) {
    super(FailureType.Rejected, false, message, info);
  }
}
export class CloudManagerContractViolation extends CloudManagerError {
  constructor(message: string, info?: CloudManagerErrorInfo) {
    super(FailureType.ContractViolation, false, message, info);
  }
}

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const HINTS: Record<number, string> = {
  401: 'check IMPLY_TOKEN, or IMPLY_CLIENT_ID / IMPLY_CLIENT_SECRET / IMPLY_ORGANIZATION',
  403: 'give the OAuth client the manage-clusters role for this environment',
  404: 'check the cluster id (`imply-runbooks clusters list`); deleted clusters answer 404',
  415: 'send PATCH bodies as application/merge-patch+json',
};

/** Maps an HTTP error answer to the error class that says whether to retry. Never includes request headers. */
export function errorFromResponse(
  status: number,
  bodyText: string,
  retryAfterHeader: string | null | undefined,
  operation: string,
): CloudManagerError {
  let code: string | undefined;
  let message: string | undefined;
  let details: ErrorDetail[] = [];
  try {
    const parsed = errorEnvelopeSchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) {
      const envelope = parsed.data as {
        error?: { code?: string; message?: string; details?: ErrorDetail[] };
      };
      const error = envelope.error;
      code = error?.code;
      message = error?.message ?? (parsed.data as { message?: string }).message;
      details = error?.details ?? [];
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the status and a short excerpt.
    message = bodyText.trim().slice(0, 200) || undefined;
  }
  const info: CloudManagerErrorInfo = {
    status,
    code,
    details,
    operation,
    retryAfterMs: parseRetryAfter(retryAfterHeader),
  };
  const detailText = details
    .map((detail) => `${detail.target ?? '?'}: ${detail.message ?? detail.code ?? 'invalid'}`)
    .join('; ');
  const text = `${operation} failed with ${status}${code ? ` ${code}` : ''}: ${message ?? 'no message'}${
    detailText ? ` (${detailText})` : ''
  }`;
  if (status === 429 || (status === 503 && info.retryAfterMs !== undefined)) {
    return new CloudManagerThrottled(text, info);
  }
  if (status === 409) return new ClusterBusy(text, info);
  if (status >= 500) return new CloudManagerServerError(text, info);
  const hint = HINTS[status];
  return new CloudManagerRejected(hint ? `${text.replace(/\.$/, '')}. Fix: ${hint}.` : text, info);
}

/**
 * Maps a transport failure (connection refused or reset, undici timeouts) to CloudManagerUnavailable.
 * Reads undici's `code` / `cause.code`, never the message text.
 */
export function errorFromNetwork(error: unknown, operation: string, baseUrl: string): CloudManagerError {
  if (error instanceof CloudManagerError) return error;
  const reason = findErrorCode(error) ?? (error instanceof Error ? error.name : 'unknown error');
  return new CloudManagerUnavailable(
    `${operation} could not reach the Cloud Manager API at ${baseUrl} (${reason}). ` +
      'Check IMPLY_API_URL / IMPLY_VANITY_DOMAIN and that the API (or `imply-runbooks emulator`) is running.',
    { operation },
  );
}

function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

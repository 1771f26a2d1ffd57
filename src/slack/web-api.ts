import { request } from 'undici';

/**
 * The few Slack Web API calls the product makes (chat.postMessage, views.open, users.info) and the
 * update of a message through an interaction's `response_url`. The bot token lives only in the
 * process that calls; nothing here logs it. Slack answers 200 with `ok: false` for most errors, so
 * every answer's `ok` is checked and its `error` code named.
 */

const TIMEOUT_MS = 10_000;

/** A Slack call that did not succeed; `error` is Slack's code (`channel_not_found`), never the token. */
export class SlackCallFailed extends Error {
  constructor(
    readonly method: string,
    readonly error: string,
    readonly retryable: boolean,
  ) {
    super(`Slack ${method} failed: ${error}`);
    this.name = 'SlackCallFailed';
  }
}

/** Errors a later attempt can get past. */
const RETRYABLE = new Set([
  'ratelimited',
  'service_unavailable',
  'internal_error',
  'request_timeout',
  'fatal_error',
]);

async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  method: string,
): Promise<Record<string, unknown>> {
  let response;
  try {
    response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body: JSON.stringify(body),
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const code = (error as { code?: string; cause?: { code?: string } }).code ?? 'network error';
    throw new SlackCallFailed(method, `could not be reached (${code})`, true);
  }
  const text = await response.body.text();
  if (response.statusCode === 429 || response.statusCode >= 500) {
    throw new SlackCallFailed(method, `answered ${response.statusCode}`, true);
  }
  if (response.statusCode >= 400) throw new SlackCallFailed(method, `answered ${response.statusCode}`, false);
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    // response_url answers a plain `ok`.
    return { ok: text.trim() === 'ok' };
  }
}

export class SlackWebApi {
  constructor(
    private readonly apiUrl: string,
    private readonly botToken: string,
  ) {}

  /** Calls one Web API method; throws SlackCallFailed unless Slack says `ok`. */
  async call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await postJson(
      `${this.apiUrl}/${method}`,
      body,
      { authorization: `Bearer ${this.botToken}` },
      method,
    );
    if (answer.ok !== true) {
      const error = typeof answer.error === 'string' ? answer.error : 'not ok';
      throw new SlackCallFailed(method, error, RETRYABLE.has(error));
    }
    return answer;
  }

  /** Posts a message to a channel; returns its timestamp (Slack's message id). Not idempotent. */
  async postMessage(channel: string, message: object): Promise<string | undefined> {
    const answer = await this.call('chat.postMessage', { channel, ...message });
    return typeof answer.ts === 'string' ? answer.ts : undefined;
  }

  /** Opens a modal for the person who just clicked (`trigger_id` lives 3 seconds). */
  async openView(triggerId: string, view: object): Promise<void> {
    await this.call('views.open', { trigger_id: triggerId, view });
  }

  /** The e-mail of a Slack user (needs the users:read.email scope), or undefined when Slack has none. */
  async userEmail(userId: string): Promise<string | undefined> {
    const answer = await this.call('users.info', { user: userId });
    const email = (answer.user as { profile?: { email?: unknown } } | undefined)?.profile?.email;
    return typeof email === 'string' && email ? email : undefined;
  }
}

/**
 * Whether a `response_url` may be posted to: Slack's own hooks over https, or the configured API's
 * host (a stand-in in tests). Anything else is refused, so a payload cannot point the server at an
 * address of its choosing. Pure.
 */
export function responseUrlAllowed(responseUrl: string, apiUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(responseUrl);
  } catch {
    return false;
  }
  if (
    url.protocol === 'https:' &&
    (url.hostname === 'hooks.slack.com' || url.hostname.endsWith('.slack.com'))
  ) {
    return true;
  }
  try {
    return url.host === new URL(apiUrl).host && url.protocol === new URL(apiUrl).protocol;
  } catch {
    return false;
  }
}

/** Updates (or answers beside) the message an interaction came from, through its response_url. */
export async function postToResponseUrl(responseUrl: string, message: object): Promise<void> {
  const answer = await postJson(responseUrl, message, {}, 'response_url');
  if (answer.ok === false && typeof answer.error === 'string') {
    throw new SlackCallFailed('response_url', answer.error, false);
  }
}

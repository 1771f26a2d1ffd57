import { request } from 'undici';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/server';
import { tutorialCreateRequest } from '../../src/emulator/tutorial-request';

/** Shared pieces of the emulator tests: a started emulator, one HTTP call helper, the tutorial's body. */

export const TOKEN = 'test-token-manage';
export const VIEW_ONLY_TOKEN = 'test-token-view-only';

/** Starts an emulator on a free loopback port with instant transitions unless told otherwise. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({
    port: 0,
    transitionMs: 0,
    tokens: [{ token: TOKEN }, { token: VIEW_ONLY_TOKEN, roles: ['view-clusters'] }],
    admin: true,
    ...options,
  });
}

export interface CallOptions {
  body?: unknown;
  /** A raw body sent as is (for malformed JSON). */
  rawBody?: string;
  /** Defaults to TOKEN; null sends no Authorization header. */
  token?: string | null;
  contentType?: string;
  /** A whole Authorization header, sent instead of the bearer token. */
  authorization?: string;
}

/** A parsed JSON answer, read field by field in assertions. */
export type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Json;
}

/** One request against the emulator; `path` is relative to its url (e.g. /api/v1/clusters). */
export async function call(
  emulator: RunningEmulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) {
    headers['content-type'] =
      options.contentType ?? (method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
  }
  const response = await request(`${emulator.url}${path}`, { method: method as 'GET', headers, body });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

/** The tutorial's Step 2 body, placeholders filled. */
export function tutorialCreateBody(name = 'clusters-example') {
  return tutorialCreateRequest({
    name,
    awsRole: 'imply-tutorial-role',
    deepStoragePath: 's3://imply-tutorial-bucket/druid',
  });
}

/** The tutorial's Step 3 body: two data replicas and a new name. */
export function tutorialPutBody() {
  const body = tutorialCreateBody('clusters-example-scaled');
  return {
    ...body,
    spec: {
      ...body.spec,
      data: { tier1: { replicas: 2, instanceType: 't2.small' } },
      pivot: { accessMode: 'PROXIED' },
    },
  };
}

/** Creates a cluster and returns its uid. */
export async function createCluster(emulator: RunningEmulator, name = 'clusters-example'): Promise<string> {
  const created = await call(emulator, 'POST', '/api/v1/clusters', { body: tutorialCreateBody(name) });
  if (created.status !== 201) throw new Error(`create answered ${created.status}: ${created.text}`);
  return created.json.metadata.uid as string;
}

/** The cluster's status.state, by GET. */
export async function stateOf(emulator: RunningEmulator, uid: string): Promise<string> {
  const response = await call(emulator, 'GET', `/api/v1/clusters/${uid}`);
  return response.json?.status?.state ?? `HTTP ${response.status}`;
}

/** Ends the cluster's transition now, through the admin endpoint. */
export async function finishTransition(emulator: RunningEmulator, uid: string): Promise<string> {
  const response = await call(emulator, 'POST', `/_emulator/clusters/${uid}/finish-transition`, {
    token: null,
  });
  return response.json.state as string;
}

/** Polls `read` every 20 ms until `done` holds; fails after `attempts` tries (no timing asserted). */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  attempts = 250,
): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < attempts && !done(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  if (!done(value)) throw new Error(`condition not met; last value ${JSON.stringify(value)}`);
  return value;
}

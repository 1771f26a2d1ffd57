import type { TokenProvider } from '../cloud-manager/auth';
import type { CloudManagerClient } from '../cloud-manager/client';
import type { Cluster } from '../cloud-manager/schemas/cluster';
import { configOf, isKnownPath, requestFromCluster } from '../activities/change-request';
import { isKnownState } from '../shared/cluster-states';
import { jsonEqual } from '../shared/spec-changes';

/**
 * `imply-runbooks doctor`: read-only checks of an Imply account before a runbook is trusted with it.
 * It sends GETs only (and, when asked, one dryRun PUT of a cluster unchanged), parses every answer
 * tolerantly, and reports what it met that imply-runbooks does not model.
 */

export interface Check {
  name: string;
  ok: boolean;
  latencyMs?: number;
  detail: string;
  /** Fields and states met that we do not model. */
  unmodelled?: string[];
}

export interface DoctorReport {
  api: string;
  checks: Check[];
  ok: boolean;
  /** Every answer, for `--record` (redacted there). */
  answers: Record<string, unknown>;
}

const STATUS_FIELDS = new Set(['status.state', 'status.resourceVersion', 'status.desiredState']);

/** Leaf paths of a JSON value (arrays count as leaves). Pure. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix ? [prefix] : [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
    leafPaths(child, prefix ? `${prefix}.${key}` : key),
  );
}

/** The paths of a cluster answer that the request schema and our status reading do not name. Pure. */
export function unmodelledPaths(cluster: unknown): string[] {
  return leafPaths(cluster).filter((path) =>
    path.startsWith('status.') ? !STATUS_FIELDS.has(path) : !isKnownPath(path),
  );
}

/** Fields of `cluster` (without status) that a PUT built from it would lose or change. Pure. */
export function roundTripLosses(cluster: Cluster): string[] {
  const config = configOf(cluster);
  let body: unknown;
  try {
    body = requestFromCluster(cluster, []);
  } catch (error) {
    return [`no PUT can be built: ${(error as Error).message}`];
  }
  return leafPaths(config).filter((path) => {
    const read = path
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], config);
    const sent = path
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], body);
    return !jsonEqual(read, sent);
  });
}

async function timed<T>(work: () => Promise<T>): Promise<{ value?: T; error?: Error; latencyMs: number }> {
  const started = performance.now();
  try {
    const value = await work();
    return { value, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { error: error as Error, latencyMs: Math.round(performance.now() - started) };
  }
}

/** A JWT's lifetime from its `exp` and `iat` claims, without verifying it; undefined for other tokens. Pure. */
export function jwtLifetime(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp?: number;
      iat?: number;
    };
    if (typeof claims.exp !== 'number') return undefined;
    const left = Math.round(claims.exp - Date.now() / 1000);
    const total = typeof claims.iat === 'number' ? `, ${claims.exp - claims.iat} s in all` : '';
    return left > 0 ? `expires in ${left} s${total}` : `expired ${-left} s ago`;
  } catch {
    return undefined;
  }
}

async function tokenCheck(auth: TokenProvider): Promise<Check> {
  const { value, error, latencyMs } = await timed(() => auth.getToken());
  if (error || !value)
    return { name: 'token', ok: false, latencyMs, detail: `${auth.describe()}: ${error?.message}` };
  const lifetime =
    jwtLifetime(value) ??
    (auth.renewable
      ? 'renewed as it expires'
      : 'lifetime unknown; a static token expires and is not renewed');
  const advice = auth.renewable
    ? ''
    : ' (client credentials are renewed: IMPLY_CLIENT_ID, IMPLY_CLIENT_SECRET, IMPLY_ORGANIZATION)';
  return { name: 'token', ok: true, latencyMs, detail: `${auth.describe()}: ${lifetime}${advice}` };
}

function clusterCheck(cluster: Cluster, latencyMs: number): Check {
  const state = String(cluster.status?.state ?? '(none)');
  const unmodelled = unmodelledPaths(cluster);
  if (!isKnownState(state)) unmodelled.push(`status.state=${state}`);
  const losses = roundTripLosses(cluster);
  const name = `GET cluster ${cluster.metadata.name}`;
  const detail =
    `${state} at resource version ${cluster.status?.resourceVersion ?? '?'}; ` +
    (losses.length === 0
      ? 'a PUT built from it keeps every field'
      : `a PUT built from it would lose or change: ${losses.join(', ')}`);
  return { name, ok: losses.length === 0, latencyMs, detail, unmodelled };
}

/** Runs every check against the account; changes nothing. */
export async function runDoctor(
  api: CloudManagerClient,
  auth: TokenProvider,
  options: { clusters?: string[]; dryRunPut?: boolean } = {},
): Promise<DoctorReport> {
  const checks: Check[] = [await tokenCheck(auth)];
  const answers: Record<string, unknown> = {};
  const listed = await timed(() => api.listClusters());
  const clusters = listed.value ?? [];
  answers.list = clusters;
  const states = [...new Set(clusters.map((cluster) => String(cluster.status?.state)))];
  checks.push({
    name: 'GET /clusters',
    ok: !listed.error,
    latencyMs: listed.latencyMs,
    detail: listed.error
      ? listed.error.message
      : `${clusters.length} cluster(s); states: ${states.join(', ') || 'none'}`,
    unmodelled: states.filter((state) => !isKnownState(state)).map((state) => `status.state=${state}`),
  });
  const ids = options.clusters?.length
    ? options.clusters
    : clusters
        .filter((cluster) => !['DELETING', 'DELETED'].includes(String(cluster.status?.state)))
        .map((cluster) => cluster.metadata.uid);
  const read: Cluster[] = [];
  for (const id of ids) {
    const got = await timed(() => api.getCluster(id));
    if (got.value) {
      read.push(got.value);
      answers[`cluster:${id}`] = got.value;
      checks.push(clusterCheck(got.value, got.latencyMs));
    } else
      checks.push({
        name: `GET cluster ${id}`,
        ok: false,
        latencyMs: got.latencyMs,
        detail: String(got.error?.message),
      });
  }
  const first = read[0];
  if (first) {
    const history = await timed(() => api.getClusterVersion(first.metadata.uid, 0));
    answers[`history:${first.metadata.uid}:0`] = history.value;
    checks.push({
      name: `GET history/0 of ${first.metadata.name}`,
      ok: !history.error,
      latencyMs: history.latencyMs,
      detail: history.error ? history.error.message : 'read',
      unmodelled: history.value ? unmodelledPaths(history.value) : [],
    });
    if (options.dryRunPut) {
      const put = await timed(() =>
        api.replaceCluster(first.metadata.uid, requestFromCluster(first, []), {
          dryRun: true,
          unknownFields: 'keep',
        }),
      );
      answers[`dryRunPut:${first.metadata.uid}`] = put.value;
      checks.push({
        name: `PUT ?dryRun=true of ${first.metadata.name}, unchanged`,
        ok: !put.error,
        latencyMs: put.latencyMs,
        detail: put.error ? put.error.message : 'accepted (nothing changed: a dry run)',
      });
    }
  }
  return { api: api.baseUrl, checks, ok: checks.every((check) => check.ok), answers };
}

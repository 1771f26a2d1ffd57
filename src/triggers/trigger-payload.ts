import type { ChangeRequest } from '../shared/change';
import { NODE_GROUPS } from '../shared/change-policy';
import { parseTypedSpecChange } from '../cloud-manager/path-types';
import type { SpecChange } from '../shared/spec-changes';
import { MAX_REASON_LENGTH, reasonProblem, userNameProblem } from '../shared/requester-text';
import { hasControlCharacters } from '../shared/terminal-text';

/**
 * The bodies `POST /api/triggers/scale` accepts, turned into scale requests:
 *
 * - ours: `{ "cluster": "<uid or name>", "set": { "data.tier1.replicas": 4 } or ["data.tier1.replicas=4"],
 *   "reason": "…", "requester": "…", "environment": "prod" }` (environment optional: default)
 * - Prometheus Alertmanager's webhook (`{ "version": "4", "alerts": [...] }`): each firing alert's
 *   labels (or annotations) name the `cluster` and the target: `node_group` with `replicas` or
 *   `instance_type`, or `set` (`data.tier1.replicas=4,query.replicas=3`), and optionally the Imply
 *   environment in `imply_environment`. Resolved alerts do nothing.
 *
 * Every problem names the field (`alerts[0].labels.replicas: …`). Pure.
 */

export interface ScaleTrigger {
  cluster: string;
  request: ChangeRequest;
  /** The Imply environment the cluster lives in; absent: default. Checked against the configuration later. */
  environment?: string;
}

export interface ParsedPayload {
  format: 'json' | 'alertmanager';
  triggers: ScaleTrigger[];
  /** Alerts that were not firing, or refused with the field at fault. */
  ignored: string[];
}

/** A bad body: each problem names the field. */
export class PayloadProblem extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'PayloadProblem';
  }
}

const MAX_ALERTS = 50;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** The cluster a trigger names; one holding a control character (no uid or name does) is refused. */
function clusterRef(value: string | undefined, field: string, missing: string): string {
  if (!value) throw new PayloadProblem([`${field}: ${missing}`]);
  if (hasControlCharacters(value)) {
    throw new PayloadProblem([
      `${field}: must not contain control characters (a cluster uid or name never does); give it as the API shows it`,
    ]);
  }
  return value;
}

function changesFromSet(set: unknown, field: string): SpecChange[] {
  const entries: string[] = Array.isArray(set)
    ? set.map((item) => String(item))
    : isObject(set)
      ? Object.entries(set).map(([path, value]) => `${path}=${String(value)}`)
      : typeof set === 'string'
        ? set
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean)
        : [];
  if (entries.length === 0) {
    throw new PayloadProblem([`${field}: give the fields to set, e.g. {"data.tier1.replicas": 4}`]);
  }
  return entries.map((entry) => {
    try {
      return parseTypedSpecChange(entry);
    } catch (error) {
      throw new PayloadProblem([`${field}: ${(error as Error).message}`]);
    }
  });
}

function ownTrigger(body: Json): ScaleTrigger {
  const cluster = clusterRef(text(body.cluster), 'cluster', 'name the cluster by uid or name');
  const requester = text(body.requester) ?? 'http-trigger';
  const requesterProblem = userNameProblem(requester);
  if (requesterProblem) throw new PayloadProblem([`requester: ${requesterProblem}`]);
  const kind = body.kind === undefined ? 'scale' : text(body.kind);
  if (kind !== 'scale' && kind !== 'update') {
    throw new PayloadProblem([
      'kind: "scale" (replicas, instance types; the default) or "update" (other fields)',
    ]);
  }
  const request: ChangeRequest = {
    kind,
    changes: changesFromSet(body.set, 'set'),
    requester,
    source: 'http',
  };
  const reason = text(body.reason);
  const problem = reason === undefined ? undefined : reasonProblem(reason);
  if (problem) throw new PayloadProblem([`reason: ${problem}`]);
  if (reason) request.reason = reason;
  return { cluster, request, ...environmentOf(body.environment, 'environment') };
}

/** The `environment` field: a name, or absent. */
function environmentOf(value: unknown, field: string): { environment?: string } {
  if (value === undefined || value === null) return {};
  const name = text(value);
  if (!name) throw new PayloadProblem([`${field}: name the Imply environment, e.g. "prod", or leave it out`]);
  return { environment: name };
}

function alertChanges(values: (key: string) => string | undefined, field: string): SpecChange[] {
  const set = values('set');
  if (set) return changesFromSet(set, `${field}.set`);
  const group = values('node_group');
  if (!group || !(NODE_GROUPS as readonly string[]).includes(group)) {
    throw new PayloadProblem([
      `${field}.node_group: must name a node group (${NODE_GROUPS.join(', ')}), or give set: data.tier1.replicas=4`,
    ]);
  }
  const changes: SpecChange[] = [];
  const replicas = values('replicas');
  if (replicas !== undefined) {
    if (!/^\d{1,4}$/.test(replicas))
      throw new PayloadProblem([`${field}.replicas: "${replicas}" is not a whole number`]);
    changes.push({ path: `spec.${group}.replicas`, value: Number(replicas) });
  }
  const instanceType = values('instance_type');
  if (instanceType !== undefined) changes.push({ path: `spec.${group}.instanceType`, value: instanceType });
  if (changes.length === 0)
    throw new PayloadProblem([`${field}: give replicas or instance_type for ${group}`]);
  return changes;
}

function alertTrigger(alert: Json, body: Json, index: number): ScaleTrigger {
  const field = `alerts[${index}].labels`;
  const sources = [alert.labels, alert.annotations, body.commonLabels, body.commonAnnotations].filter(
    isObject,
  );
  const values = (key: string) =>
    sources.map((source) => text(source[key])).find((value) => value !== undefined);
  const cluster = clusterRef(
    values('cluster'),
    `${field}.cluster`,
    'the alert must name the cluster (uid or name)',
  );
  const request: ChangeRequest = {
    kind: 'scale',
    changes: alertChanges(values, field),
    requester: 'alertmanager',
    source: 'alertmanager',
  };
  const reason = values('summary') ?? values('description') ?? values('alertname');
  if (reason) request.reason = `alert: ${reason}`.slice(0, MAX_REASON_LENGTH);
  return { cluster, request, ...environmentOf(values('imply_environment'), `${field}.imply_environment`) };
}

function alertmanagerTriggers(body: Json): ParsedPayload {
  const alerts = body.alerts as unknown[];
  if (alerts.length > MAX_ALERTS) throw new PayloadProblem([`alerts: at most ${MAX_ALERTS} alerts per call`]);
  const triggers: ScaleTrigger[] = [];
  const ignored: string[] = [];
  alerts.forEach((alert, index) => {
    if (!isObject(alert)) return void ignored.push(`alerts[${index}]: not an alert object`);
    if (alert.status !== undefined && alert.status !== 'firing') {
      return void ignored.push(`alerts[${index}]: ${String(alert.status)}, not firing: nothing to do`);
    }
    try {
      triggers.push(alertTrigger(alert, body, index));
    } catch (error) {
      if (!(error instanceof PayloadProblem)) throw error;
      ignored.push(...error.problems);
    }
  });
  return { format: 'alertmanager', triggers, ignored };
}

/** Parses a trigger body (already JSON-decoded); throws PayloadProblem naming the field. Pure. */
export function parseTriggerPayload(body: unknown): ParsedPayload {
  if (!isObject(body)) throw new PayloadProblem(['body: must be a JSON object']);
  if (Array.isArray(body.alerts)) return alertmanagerTriggers(body);
  return { format: 'json', triggers: [ownTrigger(body)], ignored: [] };
}

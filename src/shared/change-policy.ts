import { formatDuration } from './durations';
import {
  CHANGE_KINDS,
  PROTECTION_TAG,
  type ChangeKind,
  type ChangePolicy,
  type ChangeRequest,
  type RefusalDetails,
} from './change';
import { describeSpecChanges, jsonEqual, valueAt, type SpecChange } from './spec-changes';

/**
 * The change policy's rules as pure functions, used by the runbook (the authority) and by the
 * triggers (to refuse early, before anything starts). Every refusal names the rule it broke.
 */

export const NODE_GROUPS = ['master', 'query', 'data.tier1', 'data.tier2', 'data.tier3'] as const;

export interface Refusal extends RefusalDetails {
  message: string;
}

/** A node group as a change would leave it: the values to check against the bounds. */
interface GroupValues {
  group: string;
  replicas?: unknown;
  instanceType?: unknown;
}

/** What a scale may change: the replicas and instance type of a node group, nothing else. */
export const SCALE_PATH = /^spec\.(master|query|data\.tier[123])\.(replicas|instanceType)$/;

/**
 * Fields whose change is a security decision (who the cluster runs as, where its data lives and
 * whether it is encrypted, what code and settings it loads): a person approves them, always.
 */
const SECURITY_PATHS = [
  /^spec\.awsInstanceRole$/,
  /^spec\.awsKeyPair$/,
  /^spec\.deepStorage(\.|$)/,
  /^spec\.encryptVolumes$/,
  /^spec\.metadataStore(\.encrypt)?$/,
  /RuntimeProperties(\.|$)/,
  /^spec\.(customFiles|druidExtensions|featureFlags)(\.|$)/,
  /^spec\.[^.]*(Role|Secret|Password|Key|Encrypt\w*)$/i,
];

/** True for a path whose change always needs a person. Pure. */
export function isSecurityPath(path: string): boolean {
  return SECURITY_PATHS.some((pattern) => pattern.test(path));
}

/** Paths no change request may set: identity, state, and what the power runbook owns. */
const NOT_CHANGEABLE = /^(metadata\.uid|spec\.desiredState|status)(\.|$)/;

function scaleValueProblem(change: SpecChange): string | undefined {
  if (change.path.endsWith('.replicas')) {
    const replicas = change.value;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1) {
      return `${change.path}: ${JSON.stringify(replicas)} is not a whole number of replicas of at least 1`;
    }
  } else if (typeof change.value !== 'string' || change.value.trim() === '') {
    return `${change.path}: ${JSON.stringify(change.value)} is not an instance type such as m5.large`;
  }
  return undefined;
}

function changesProblem(request: ChangeRequest): string | undefined {
  const changes = request.changes ?? [];
  if (request.kind === 'scale') {
    if (changes.length === 0) return 'a scale needs at least one change, e.g. data.tier1.replicas=4';
    const outside = changes.find((change) => !SCALE_PATH.test(change.path));
    if (outside) {
      return (
        `${outside.path}: a scale changes only replicas and instanceType of master, query and ` +
        'data.tier1-3; change other fields with an update (imply-runbooks update <cluster> --set …)'
      );
    }
    for (const change of changes) {
      const problem = scaleValueProblem(change);
      if (problem) return problem;
    }
  }
  if (request.kind === 'update') {
    if (changes.length === 0) return 'an update needs at least one change, e.g. pivot.accessMode=DIRECT';
    const outside = changes.find((change) => !/^(spec|metadata)\./.test(change.path));
    if (outside) return `${outside.path}: a change path starts with spec. or metadata.`;
    const fixed = changes.find((change) => NOT_CHANGEABLE.test(change.path));
    if (fixed) {
      return `${fixed.path}: cannot be changed by an update (stop and start with imply-runbooks stop/start)`;
    }
  }
  return undefined;
}

/** Why a request is malformed (naming the field), or undefined. Pure. */
export function requestProblem(request: ChangeRequest): string | undefined {
  if (typeof request !== 'object' || request === null) return 'a change request must be an object';
  if (!CHANGE_KINDS.includes(request.kind)) return `kind must be one of ${CHANGE_KINDS.join(', ')}`;
  if (typeof request.requester !== 'string' || request.requester.trim() === '') {
    return 'requester is required: say who asks for the change (--as <user> or IMPLY_RUNBOOKS_USER)';
  }
  if (request.changes !== undefined && !Array.isArray(request.changes)) return 'changes must be a list';
  const changes = changesProblem(request);
  if (changes) return changes;
  if (request.kind === 'upgrade') {
    if (typeof versionOf(request) !== 'string')
      return 'an upgrade needs the version to go to, e.g. --version 2022.01';
    const other = (request.changes ?? []).find((change) => change.path !== 'spec.version');
    if (other) return `${other.path}: an upgrade changes only spec.version; use an update for other fields`;
  }
  if (request.kind === 'restore' && !(Number.isInteger(request.toVersion) && request.toVersion! >= 0)) {
    return 'a restore needs the resource version to go back to (0 or more), e.g. --to-version 3';
  }
  return undefined;
}

/** The version an upgrade asks for. Pure. */
export function versionOf(request: ChangeRequest): string | undefined {
  const value = request.changes?.find((change) => change.path === 'spec.version')?.value;
  return typeof value === 'string' ? value : undefined;
}

/** `scale spec.data.tier1.replicas=4`, `upgrade to 2022.01`, `restore version 3`, `delete`. Pure. */
export function describeRequest(request: ChangeRequest): string {
  if (request.kind === 'scale') return `scale ${describeSpecChanges(request.changes ?? [])}`;
  if (request.kind === 'update') return `update ${describeSpecChanges(request.changes ?? [])}`;
  if (request.kind === 'upgrade') return `upgrade to ${versionOf(request) ?? '?'}`;
  if (request.kind === 'restore') return `restore version ${request.toVersion}`;
  return 'delete';
}

function groupProblems(policy: ChangePolicy, values: GroupValues): Refusal[] {
  const bounds = policy.bounds[values.group];
  if (!bounds) return [];
  const key = `bounds.${values.group}`;
  const refuse = (rule: Refusal['rule'], text: string): Refusal => ({
    rule,
    message: `policy "${policy.name}": ${values.group}.${text}`,
  });
  const problems: Refusal[] = [];
  const replicas = values.replicas;
  if (typeof replicas === 'number') {
    if (bounds.minReplicas !== undefined && replicas < bounds.minReplicas) {
      problems.push(
        refuse(
          'bounds',
          `replicas ${replicas} is below minReplicas ${bounds.minReplicas} (${key}.minReplicas)`,
        ),
      );
    }
    if (bounds.maxReplicas !== undefined && replicas > bounds.maxReplicas) {
      problems.push(
        refuse(
          'bounds',
          `replicas ${replicas} is above maxReplicas ${bounds.maxReplicas} (${key}.maxReplicas)`,
        ),
      );
    }
  }
  const type = values.instanceType;
  if (type !== undefined && bounds.instanceTypes && !bounds.instanceTypes.includes(String(type))) {
    problems.push(
      refuse(
        'instance-type',
        `instanceType ${String(type)} is not allowed: use one of ${bounds.instanceTypes.join(', ')} (${key}.instanceTypes)`,
      ),
    );
  }
  return problems;
}

/** The bounds a request's own values break (before the cluster is read): for the triggers. Pure. */
export function requestedBoundsProblems(policy: ChangePolicy, changes: readonly SpecChange[]): Refusal[] {
  return NODE_GROUPS.flatMap((group) => {
    const at = (field: string) => changes.find((change) => change.path === `spec.${group}.${field}`)?.value;
    return groupProblems(policy, { group, replicas: at('replicas'), instanceType: at('instanceType') });
  });
}

/**
 * The bounds a change breaks, comparing each bounded node group before and after: a group the change
 * leaves alone is not checked, so a cluster already outside its bounds can still change elsewhere. Pure.
 */
export function boundsProblems(policy: ChangePolicy, before: unknown, after: unknown): Refusal[] {
  return NODE_GROUPS.flatMap((group) => {
    const was = valueAt(before, `spec.${group}`);
    const will = valueAt(after, `spec.${group}`);
    if (will === undefined || jsonEqual(was, will)) return [];
    return groupProblems(policy, {
      group,
      replicas: valueAt(will, 'replicas'),
      instanceType: valueAt(will, 'instanceType'),
    });
  });
}

/** Why the cluster is protected (its protection tag, or its policy), or undefined. Pure. */
export function protectionOf(
  policy: ChangePolicy,
  tags: ReadonlyArray<{ name: string; value: string }>,
): string | undefined {
  const tagged = tags.some((tag) => tag.name === PROTECTION_TAG.name && tag.value === PROTECTION_TAG.value);
  if (tagged) return `it carries the tag ${PROTECTION_TAG.name}=${PROTECTION_TAG.value}`;
  return policy.protected ? `policy "${policy.name}" says protected: true` : undefined;
}

/** Why the cluster may not be deleted (its policy or its protection tag), or undefined. Pure. */
export function protectedProblem(
  policy: ChangePolicy,
  tags: ReadonlyArray<{ name: string; value: string }>,
): Refusal | undefined {
  const why = protectionOf(policy, tags);
  if (!why) return undefined;
  return {
    rule: 'protected',
    message: `the cluster is protected (${why}): delete refused; remove the protection first`,
  };
}

/** Why the change must wait for the cooldown after the last applied change, or undefined. Pure. */
export function cooldownProblem(
  policy: ChangePolicy,
  kind: ChangeKind,
  last: { appliedAt: string; runbookId: string } | undefined,
  nowMs: number,
): Refusal | undefined {
  // A restore undoes and a delete ends: neither should wait for a cooldown meant against flapping.
  if (policy.cooldownMs <= 0 || !last || kind === 'restore' || kind === 'delete') return undefined;
  const until = Date.parse(last.appliedAt) + policy.cooldownMs;
  if (!(until > nowMs)) return undefined;
  return {
    rule: 'cooldown',
    retryAfterMs: until - nowMs,
    message:
      `policy "${policy.name}": cooldown ${formatDuration(policy.cooldownMs)} after a change: the last one ` +
      `(${last.runbookId}) was applied at ${last.appliedAt}; try again after ${new Date(until).toISOString()}`,
  };
}

/** The two requests as one, when they can share a plan (same kind), else undefined. Later values win. Pure. */
export function mergeRequests(current: ChangeRequest, incoming: ChangeRequest): ChangeRequest | undefined {
  if (current.kind !== incoming.kind) return undefined;
  const byPath = new Map<string, SpecChange>();
  for (const change of [...(current.changes ?? []), ...(incoming.changes ?? [])])
    byPath.set(change.path, change);
  const reasons = [...new Set([current.reason, incoming.reason].filter((reason) => reason))];
  // Everyone whose trigger is in the merged change is one of its requesters (four eyes for each).
  const askers = [...(current.coRequesters ?? []), incoming.requester, ...(incoming.coRequesters ?? [])];
  const coRequesters = [...new Set(askers)].filter((name) => name !== current.requester);
  return {
    ...current,
    ...(coRequesters.length > 0 ? { coRequesters } : {}),
    ...(byPath.size > 0 ? { changes: [...byPath.values()] } : {}),
    ...(incoming.toVersion !== undefined ? { toVersion: incoming.toVersion } : {}),
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
  };
}

/** Whether two requests ask for the same thing (an alert repeated): merging one changes nothing. Pure. */
export function sameChange(left: ChangeRequest, right: ChangeRequest): boolean {
  const merged = mergeRequests(left, right);
  return (
    merged !== undefined &&
    jsonEqual(merged.changes ?? [], left.changes ?? []) &&
    merged.toVersion === left.toVersion
  );
}

/**
 * Why a person must approve this change although its kind may be auto-approved, judged on what the
 * plan actually changes (every path of the dryRun diff, the API's own additions included), or
 * undefined when the policy lets it through. Not auto-approvable kinds answer a reason too. Pure.
 */
export function autoApprovalProblem(
  policy: ChangePolicy,
  kind: ChangeKind,
  changedPaths: readonly string[],
): string | undefined {
  if (!policy.autoApprove.includes(kind))
    return `policy "${policy.name}" does not auto-approve ${kind} changes`;
  const security = changedPaths.find(isSecurityPath);
  if (security) return `${security} is security-relevant: a person approves every change to it`;
  const allowed: (path: string) => boolean =
    kind === 'scale'
      ? (path) => SCALE_PATH.test(path)
      : kind === 'upgrade'
        ? (path) => path === 'spec.version'
        : kind === 'update'
          ? (path) => (policy.autoApproveUpdates ?? []).includes(path)
          : () => true;
  const outside = changedPaths.find((path) => !allowed(path));
  if (outside === undefined) return undefined;
  return kind === 'update'
    ? `${outside} is not among the paths policy "${policy.name}" auto-approves (autoApproveUpdates)`
    : `the plan changes ${outside}, which a ${kind} does not: a person approves it`;
}

import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseClusterRequest } from '../cloud-manager/validation';
import { loadConfig, resolveApprovalPolicy } from '../config';
import { parseDuration } from '../shared/durations';
import type { CleanupPolicy, LifecycleInput } from '../shared/runbook';
import { parseTypedSpecChange } from '../cloud-manager/path-types';
import { applySpecChanges } from '../shared/spec-changes';

export interface LifecycleFlags {
  spec: string;
  scale?: string[];
  force?: boolean;
  stopAfter?: string;
  stopAt?: string;
  deleteAfter?: string;
  delete?: boolean;
  keep?: boolean;
  onCancel?: string;
  transitionTimeout?: string;
  pollInitial?: string;
  pollMax?: string;
  /** `--config <file>`: the configuration with the approval policies. */
  config?: string;
  /** `--as <user>`: who asks for the change. */
  as?: string;
  /** `--reason <text>`: why, shown to approvers. */
  reason?: string;
  /** false with `--no-approval`: apply the scale change without asking anyone (test clusters). */
  approval?: boolean;
}

const CLEANUP_POLICIES: CleanupPolicy[] = ['keep', 'stop', 'delete'];

/**
 * Turns `run lifecycle` flags into a validated runbook input, or throws an error naming the field or
 * flag and the fix. Reads the spec file; starts nothing.
 */
export function lifecycleInputFromFlags(
  flags: LifecycleFlags,
  now: number = Date.now(),
  env: NodeJS.ProcessEnv = process.env,
): LifecycleInput {
  const cluster = parseClusterRequest(readSpecFile(flags.spec));
  const scale = (flags.scale ?? []).map((text) => parseTypedSpecChange(text));
  // The scaled spec must be valid too: refuse `--scale data.tier1.replicas=0` before anything starts.
  parseClusterRequest(applySpecChanges(cluster, scale));
  if (flags.stopAfter && flags.stopAt) throw new Error('give --stop-after or --stop-at, not both');
  if ((flags.deleteAfter || flags.delete) && flags.keep)
    throw new Error('give --delete/--delete-after or --keep, not both');
  const input: LifecycleInput = { cluster, scale, force: flags.force ?? false };
  if (flags.stopAfter) input.stop = { afterMs: parseDuration(flags.stopAfter, '--stop-after') };
  if (flags.stopAt) input.stop = { at: parseStopAt(flags.stopAt, now) };
  if (flags.deleteAfter) input.delete = { afterMs: parseDuration(flags.deleteAfter, '--delete-after') };
  else if (flags.delete) input.delete = {};
  if (flags.onCancel) {
    if (!CLEANUP_POLICIES.includes(flags.onCancel as CleanupPolicy)) {
      throw new Error(`--on-cancel must be one of ${CLEANUP_POLICIES.join(', ')} (got "${flags.onCancel}")`);
    }
    input.onCancel = flags.onCancel as CleanupPolicy;
  }
  const wait = {
    transitionTimeoutMs: flags.transitionTimeout
      ? parseDuration(flags.transitionTimeout, '--transition-timeout')
      : undefined,
    pollInitialMs: flags.pollInitial ? parseDuration(flags.pollInitial, '--poll-initial') : undefined,
    pollMaxMs: flags.pollMax ? parseDuration(flags.pollMax, '--poll-max') : undefined,
  };
  if (Object.values(wait).some((value) => value !== undefined)) input.wait = wait;
  return { ...input, ...approvalFromFlags(flags, input, env) };
}

/** Who asks: `--as`, else IMPLY_RUNBOOKS_USER, else the OS user name. */
export function requesterFrom(as: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const named = as?.trim() || env.IMPLY_RUNBOOKS_USER?.trim();
  if (named) return named;
  try {
    return userInfo().username;
  } catch {
    throw new Error('who is asking? Pass --as <user> or set IMPLY_RUNBOOKS_USER');
  }
}

/** The requester, reason and the policy the configuration gives this cluster (by name and awsTags). */
function approvalFromFlags(
  flags: LifecycleFlags,
  input: LifecycleInput,
  env: NodeJS.ProcessEnv,
): Pick<LifecycleInput, 'requester' | 'reason' | 'approval'> {
  const result: Pick<LifecycleInput, 'requester' | 'reason' | 'approval'> = {
    requester: requesterFrom(flags.as, env),
  };
  if (flags.reason?.trim()) result.reason = flags.reason.trim();
  if (flags.approval === false || input.scale.length === 0) return result;
  const config = loadConfig({ path: flags.config, env });
  const cluster = input.cluster;
  const tags = (cluster.spec.awsTags ?? []).map((tag) => ({ name: tag.name, value: String(tag.value) }));
  result.approval = resolveApprovalPolicy(config, { name: cluster.metadata.name, tags });
  return result;
}

function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --spec ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`--spec ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function parseStopAt(text: string, now: number): string {
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    throw new Error(`--stop-at "${text}" is not an ISO time: write for example 2026-12-01T19:00:00Z`);
  }
  if (at <= now) throw new Error(`--stop-at ${text} is in the past`);
  return new Date(at).toISOString();
}

import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseClusterRequest } from '../cloud-manager/validation';
import { loadConfig, resolveClusterPolicies, type Config } from '../config';
import { lifecycleInputProblem } from '../shared/lifecycle-change';
import { reasonProblem, refuseProblem, userNameProblem } from '../shared/requester-text';
import { refuseControlCharacters } from '../shared/terminal-text';
import { parseStopAt, parseWaitFlag, waitFromFlags } from '../shared/wait-flags';
import type { CleanupPolicy, LifecycleInput } from '../shared/runbook';
import { parseTypedSpecChange } from '../cloud-manager/path-types';
import { applySpecChanges } from '../shared/spec-changes';
import { tagsOf } from '../cloud-manager/schemas/cluster';

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
  const scaled = parseClusterRequest(applySpecChanges(cluster, scale));
  refuseControlCharacters(cluster.metadata.name, `metadata.name in --spec ${flags.spec}`);
  refuseControlCharacters(scaled.metadata.name, 'metadata.name after --scale');
  // A --config given is read and checked now, whether or not this runbook will need its policies.
  const config = flags.config === undefined ? undefined : loadConfig({ path: flags.config, env });
  if (flags.stopAfter && flags.stopAt) throw new Error('give --stop-after or --stop-at, not both');
  if ((flags.deleteAfter || flags.delete) && flags.keep)
    throw new Error('give --delete/--delete-after or --keep, not both');
  const input: LifecycleInput = { cluster, scale, force: flags.force ?? false };
  if (flags.stopAfter) input.stop = { afterMs: parseWaitFlag(flags.stopAfter, '--stop-after') };
  if (flags.stopAt) input.stop = { at: parseStopAt(flags.stopAt, now) };
  if (flags.deleteAfter) input.delete = { afterMs: parseWaitFlag(flags.deleteAfter, '--delete-after') };
  else if (flags.delete) input.delete = {};
  if (flags.onCancel) {
    if (!CLEANUP_POLICIES.includes(flags.onCancel as CleanupPolicy)) {
      throw new Error(`--on-cancel must be one of ${CLEANUP_POLICIES.join(', ')} (got "${flags.onCancel}")`);
    }
    input.onCancel = flags.onCancel as CleanupPolicy;
  }
  const wait = waitFromFlags(flags);
  if (wait) input.wait = wait;
  return { ...input, ...approvalFromFlags(flags, input, env, config) };
}

/** Who asks: `--as`, else IMPLY_RUNBOOKS_USER, else the OS user name. */
export function requesterFrom(as: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (as?.trim()) return checkedUserName(as.trim(), '--as');
  if (env.IMPLY_RUNBOOKS_USER?.trim())
    return checkedUserName(env.IMPLY_RUNBOOKS_USER.trim(), 'IMPLY_RUNBOOKS_USER');
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    throw new Error('who is asking? Pass --as <user> or set IMPLY_RUNBOOKS_USER');
  }
  return checkedUserName(name, 'the OS user name (pass --as <user> instead)');
}

/** `name` when it names a person the way the triggers accept one; else an error naming where it came from. */
export function checkedUserName(name: string, source: string): string {
  refuseProblem(source, userNameProblem(name));
  return name;
}

/** A `--reason` (or `--comment`) trimmed, refused as the triggers refuse it; undefined when empty. */
export function reasonFromFlag(text: string | undefined, flag = '--reason'): string | undefined {
  const reason = text?.trim();
  if (!reason) return undefined;
  refuseProblem(flag, reasonProblem(reason));
  return reason;
}

/**
 * The requester, reason and the policies the configuration gives this cluster (by name and
 * awsTags): who approves the scale (none with `--no-approval`), and the change policy the scale and
 * the delete run under (bounds, cooldown, force, protection). Refuses, naming the flag, what the
 * runbook would refuse before creating anything.
 */
function approvalFromFlags(
  flags: LifecycleFlags,
  input: LifecycleInput,
  env: NodeJS.ProcessEnv,
  config: Config | undefined,
): Pick<LifecycleInput, 'requester' | 'reason' | 'approval' | 'policy'> {
  const result: Pick<LifecycleInput, 'requester' | 'reason' | 'approval' | 'policy'> = {
    requester: requesterFrom(flags.as, env),
  };
  const reason = reasonFromFlag(flags.reason);
  if (reason) result.reason = reason;
  if (input.scale.length === 0 && !input.delete) return result;
  const cluster = input.cluster;
  const policies = resolveClusterPolicies(config ?? loadConfig({ env }), {
    name: cluster.metadata.name,
    tags: tagsOf(cluster),
  });
  result.policy = policies.change;
  if (flags.approval !== false && input.scale.length > 0) result.approval = policies.approval;
  const problem = lifecycleInputProblem({ ...input, ...result });
  if (problem) throw new Error(problem);
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

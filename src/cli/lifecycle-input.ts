import { readFileSync } from 'node:fs';
import { parseClusterRequest } from '../cloud-manager/validation';
import { parseDuration } from '../shared/durations';
import type { CleanupPolicy, LifecycleInput } from '../shared/runbook';
import { applySpecChanges, parseSpecChange } from '../shared/spec-changes';

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
}

const CLEANUP_POLICIES: CleanupPolicy[] = ['keep', 'stop', 'delete'];

/**
 * Turns `run lifecycle` flags into a validated runbook input, or throws an error naming the field or
 * flag and the fix. Reads the spec file; starts nothing.
 */
export function lifecycleInputFromFlags(flags: LifecycleFlags, now: number = Date.now()): LifecycleInput {
  const cluster = parseClusterRequest(readSpecFile(flags.spec));
  const scale = (flags.scale ?? []).map(parseSpecChange);
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
  return input;
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

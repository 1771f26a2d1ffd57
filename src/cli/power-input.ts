import type { Client } from '@temporalio/client';
import { CloudManagerError } from '../cloud-manager/errors';
import { parseDuration } from '../shared/durations';
import { SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { cliApiClient, type EnvironmentFlags } from './environment-option';
import { refuseControlCharacters, shellQuote } from '../shared/terminal-text';

/**
 * Flags every power command shares: where the Cloud Manager API is (to resolve names): the
 * environment, and for the default one the URL flags.
 */
export interface ApiFlags extends EnvironmentFlags {
  apiUrl?: string;
  vanityDomain?: string;
}

export { waitFromFlags, type WaitFlags } from '../shared/wait-flags';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The uid and name of a cluster given by uid or name, read from the Cloud Manager API. Without API
 * settings a uid is taken as is; a name then needs them. Read-only.
 */
export async function resolveCluster(
  idOrName: string,
  flags: ApiFlags,
): Promise<{ id: string; name: string }> {
  refuseControlCharacters(idOrName, 'the cluster');
  let api;
  try {
    api = cliApiClient(flags);
  } catch (error) {
    if (UUID.test(idOrName)) return { id: idOrName, name: idOrName };
    throw new Error(
      `cannot look up cluster "${idOrName}": ${(error as Error).message} (or give the cluster's uid instead of its name)`,
    );
  }
  try {
    const cluster = await api.getCluster(idOrName);
    return { id: cluster.metadata.uid, name: cluster.metadata.name };
  } catch (error) {
    if (!(error instanceof CloudManagerError && error.status === 404)) throw error;
  }
  const byName = await api.findClusterByName(idOrName);
  if (!byName) {
    throw new Error(
      `no cluster has the uid or name "${idOrName}": run \`imply-runbooks clusters list\` to see them`,
    );
  }
  return { id: byName.metadata.uid, name: byName.metadata.name };
}

/** `--until`: an ISO time (2026-12-01T07:00:00+01:00) or a duration from now (12h); must be in the future. */
/** The longest keep-alive: an override, not a way to opt a cluster out of its schedule for good. */
export const MAX_KEEP_ALIVE_MS = 30 * 24 * 3_600_000;

export function parseUntil(text: string, now: number = Date.now()): string {
  const trimmed = text.trim();
  let at: number;
  if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    at = Date.parse(trimmed);
    if (Number.isNaN(at))
      throw new Error(`--until "${text}" is not a time: write for example 2026-12-01T07:00:00+01:00 or 12h`);
  } else {
    try {
      at = now + parseDuration(trimmed, '--until');
    } catch {
      throw new Error(
        `--until "${text}" is neither an ISO time nor a duration: write for example 2026-12-01T07:00:00+01:00 or 12h`,
      );
    }
  }
  if (at <= now) throw new Error(`--until ${text} is not in the future`);
  if (at - now > MAX_KEEP_ALIVE_MS) {
    throw new Error(
      `--until ${text} is more than 30 days ahead: keep a cluster up for at most 30d at a time, ` +
        'or take it out of schedules for good with the tag imply-runbooks/schedule=off',
    );
  }
  return new Date(at).toISOString();
}

/** A number flag, refused with the flag's name when it is not one. */
export function parseNumberFlag(text: string | undefined, flag: string, whole = false): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (whole && !Number.isInteger(value))) {
    throw new Error(`${flag} "${text}" is not ${whole ? 'a whole number' : 'a number'}`);
  }
  return value;
}

/** Why a change to a cluster was refused: the running runbook with that id, and its kind. Read-only. */
export async function describeBusy(client: Client, workflowId: string): Promise<string> {
  let kind = 'unknown';
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    kind = description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind) ?? kind;
  } catch {
    // It may have ended between the refusal and this look: the message still names it.
  }
  return (
    `busy: ${workflowId} (kind ${kind}) is running; try again when it ends ` +
    `(follow it with \`imply-runbooks status ${shellQuote(workflowId)}\`)`
  );
}

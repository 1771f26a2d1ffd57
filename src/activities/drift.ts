import { tmpdir } from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { CloudManagerClient } from '../cloud-manager/client';
import { formatDiff } from '../cloud-manager/diff';
import { LOCAL_DEFAULTS, type Config } from '../config';
import { applyPlan } from '../gitops/apply';
import {
  applyReason,
  checkoutRepository,
  gitInfo,
  gitUrlProblem,
  isGitUrl,
  safeSubfolder,
} from '../gitops/git';
import { planFolder, type PlanEntry } from '../gitops/plan';
import { readSpecFolder, SpecFolderError } from '../gitops/spec-folder';
import type { DriftInput, DriftReport, DriftedCluster, OpenedChange } from '../shared/drift';
import { callApi, permanentFailure } from './failures';
import type { TemporalAccess } from './fleet';
import { deliverToAllEventWebhooks, type NotificationSettings } from './webhook-delivery';

/**
 * The activities of drift checks: plan a folder of specs against the account (the worker reads the
 * folder), tell the webhooks, and open a change per drifted cluster through the one change pipeline.
 */

/** Where workers keep their checkouts of drift repositories between runs. */
const DRIFT_CHECKOUTS = path.join(tmpdir(), 'imply-runbooks-drift');

function driftOf(entry: PlanEntry): DriftedCluster | undefined {
  if (entry.action !== 'change' && entry.action !== 'create' && entry.action !== 'prunable') return undefined;
  const lines =
    entry.action === 'change'
      ? formatDiff((entry.fields ?? []).map((field) => ({ ...field, kind: 'changed' as const }))).split('\n')
      : [
          entry.action === 'create'
            ? 'missing: in the folder, not in the account'
            : (entry.note ?? 'removed from the folder'),
        ];
  return {
    name: entry.name,
    action: entry.action,
    lines,
    ...(entry.file ? { file: entry.file } : {}),
    ...(entry.clusterId ? { clusterId: entry.clusterId } : {}),
  };
}

/** Where the worker reads the specs: the path, or its current checkout of the repository. */
function localFolder(input: DriftInput): string {
  if (!isGitUrl(input.folder)) return input.folder;
  const problem = gitUrlProblem(input.folder);
  if (problem) throw permanentFailure('SpecFolderInvalid', `${input.folder}: ${problem}`);
  const checkout = checkoutRepository(input.folder, DRIFT_CHECKOUTS, input.ref);
  return path.join(checkout, safeSubfolder(input.path));
}

function readFolder(input: DriftInput) {
  try {
    return readSpecFolder(localFolder(input), input.owner);
  } catch (error) {
    // A broken folder does not mend by retrying: the check fails with every problem named.
    if (error instanceof SpecFolderError) throw permanentFailure('SpecFolderInvalid', error.message);
    throw error;
  }
}

export function driftActivities({
  api,
  config,
  temporal,
  notifications,
}: {
  api: CloudManagerClient;
  config?: Config;
  temporal?: TemporalAccess;
  notifications?: NotificationSettings;
}) {
  return {
    /** The folder against this worker's environment: the drifted clusters and how many match. Read-only. */
    async planDrift(input: DriftInput): Promise<{ report: DriftReport; entries: PlanEntry[] }> {
      const folder = readFolder(input);
      const live = await callApi(() => api.listClusters());
      const entries = planFolder(folder, live);
      const drifted = entries.flatMap((entry) => driftOf(entry) ?? []);
      const git = gitInfo(localFolder(input));
      const report: DriftReport = {
        folder: input.folder,
        owner: folder.owner,
        checkedAt: new Date().toISOString(),
        drifted,
        inSync: entries.filter((entry) => entry.action === 'unchanged').length,
        ...(git ? { commit: git.commit } : {}),
      };
      return { report, entries };
    },

    /** Posts the drift to the webhooks that take every event. Safe to retry (delivered ones are skipped). */
    async notifyDrift(report: DriftReport, workflowId: string): Promise<void> {
      const lines = report.drifted.map(
        (cluster) => `• ${cluster.name} (${cluster.action}): ${cluster.lines.join('; ')}`,
      );
      const title = `Drift: ${report.drifted.length} cluster(s) differ from ${report.folder}`;
      const text = `${title} (drift check ${workflowId})\n${lines.join('\n')}`;
      const message = {
        text,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
          {
            type: 'section',
            text: { type: 'mrkdwn', text: `\`\`\`\n${lines.join('\n').slice(0, 2900)}\n\`\`\`` },
          },
          {
            type: 'context',
            elements: [{ type: 'mrkdwn', text: `Drift check \`${workflowId}\` · owner ${report.owner}` }],
          },
        ],
      };
      await deliverToAllEventWebhooks(notifications, message, 'drift notice', 'WebhookDeliveryFailed');
    },

    /**
     * Opens the cluster's change runbook for each drifted cluster's fields (what the file says), through
     * the same pipeline as `apply`: policies and approvals as configured. A change already waiting
     * merges. Creates and deletes are reported, never opened by a drift check.
     */
    async openDriftChanges(
      input: DriftInput,
      entries: PlanEntry[],
      workflowId: string,
    ): Promise<OpenedChange[]> {
      if (!temporal) {
        throw permanentFailure(
          'DriftCannotOpen',
          'this worker has no Temporal client: start it with `imply-runbooks worker`',
        );
      }
      const folder = readFolder(input);
      const git = gitInfo(localFolder(input));
      const changes = entries.filter((entry) => entry.action === 'change');
      const applied = await applyPlan(
        {
          client: temporal.client,
          config: config ?? LOCAL_DEFAULTS,
          taskQueue: Context.current().info.taskQueue,
          apiOf: () => api,
        },
        folder,
        changes,
        { requester: `drift-check`, reason: applyReason(input.folder, git, `drift found by ${workflowId}`) },
      );
      return applied.map(({ name, runbookId, outcome, message }) => ({
        name,
        outcome,
        message,
        ...(runbookId ? { runbookId } : {}),
      }));
    },
  };
}

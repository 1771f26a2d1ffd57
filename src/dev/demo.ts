import { userInfo } from 'node:os';
import path from 'node:path';
import { loadConfig, webSettings } from '../config';
import { type LifecycleInput } from '../shared/runbook';
import { projectRoot } from './cli-path';
import { connectClient } from '../temporal/connection';
import { devTemporalSettings } from './dev-client';
import { lifecycleInputFromFlags } from '../cli/lifecycle-input';
import { followRunbook, runbookUiLink, startLifecycle } from '../cli/runbook-client';
import { shellQuote } from '../shared/terminal-text';
import { lifecycleWorkflowId } from '../shared/runbook-ids';
import type { LifecycleResult } from '../shared/runbook';

/** What the dev stack hands the demo: where everything runs, and a signal that fires on Ctrl-C. */
export interface DemoContext {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  uiUrl?: string;
  emulatorApiUrl: string;
  signal: AbortSignal;
  /** The approvals page (the dev stack's); default: `web.publicUrl` of the configuration. */
  webUrl?: string;
  /** The stack's env.sh, for the approver's shell. */
  envFile?: string;
}

const say = (line: string) => console.log(`[demo] ${line}`);

/**
 * The tutorial as a runbook, against the emulator: create clusters-example, wait until RUNNING,
 * scale data tier1 1 → 2 with the rename through the change runbook (approved, verified), stop, delete. A demo runbook left
 * running by an earlier `npm start` (the server keeps it) is followed instead of started again.
 */
export async function runDemo(context: DemoContext): Promise<void> {
  const input = lifecycleInputFromFlags({
    spec: path.join(projectRoot(), 'examples', 'tutorial-cluster.json'),
    scale: ['data.tier1.replicas=2', 'metadata.name=clusters-example-scaled'],
    force: true,
    stopAfter: '5s',
    delete: true,
    pollInitial: '1s',
    pollMax: '5s',
    // The OS user asks; the default policy's alice or bob approves (four eyes).
    as: userInfo().username,
    reason: 'the tutorial: scale data tier1 to 2 and rename',
  });
  const settings = devTemporalSettings(context);
  const { client, connection } = await connectClient(settings);
  try {
    const workflowId = lifecycleWorkflowId(input.cluster.metadata.name);
    const earlier = client.workflow.getHandle(workflowId);
    const running = await earlier.describe().then(
      (description) => description.status.name === 'RUNNING',
      () => false,
    );
    say('The Cloud Manager tutorial as a durable runbook, against the local emulator:');
    say(
      'create clusters-example → wait until RUNNING → scale data.tier1 1 → 2 and rename (the change runbook: plan, approve, apply, verify) → stop → delete',
    );
    const handle = running ? earlier : await startLifecycle(client, settings, input);
    say(
      `${running ? 'Following the demo runbook an earlier run left going' : 'Started runbook'} ${workflowId}`,
    );
    const link = context.uiUrl
      ? `${context.uiUrl}/namespaces/${encodeURIComponent(context.namespace)}/workflows/${encodeURIComponent(workflowId)}`
      : runbookUiLink(settings, workflowId);
    if (link) say(`Watch it in the Temporal UI: ${link}`);
    const promptOnce = approvalPrompter(input, context);
    const write = (line: string) => {
      say(line);
      promptOnce(line);
    };
    const end = await followRunbook<LifecycleResult>(handle, write, { signal: context.signal });
    if (!end) return say('Stopped following; the runbook goes on in Temporal and resumes with the stack.');
    if (end.outcome === 'completed' && end.result.outcome === 'rejected') {
      say(
        `The scale change was not applied (${end.result.reason ?? 'rejected'}); the cluster is kept RUNNING.`,
      );
      const change = end.result.scaleChange?.runbookId ?? workflowId;
      say(
        `See every decision: imply-runbooks audit ${shellQuote(change)}. Start again: npm start -- --fresh`,
      );
    } else if (end.outcome === 'completed') {
      say(
        `Done: ${end.result.clusterName} (${end.result.clusterId}) went through every step and is ${end.result.finalState}.`,
      );
    } else {
      say(`The runbook ${end.outcome}: ${end.message}`);
      say('To start from a clean slate: npm start -- --fresh');
    }
  } finally {
    await connection.close();
  }
}

/**
 * Prints how to approve each time the scale's change runbook (`change:<uid>`, whose steps the
 * follower prints under the lifecycle's) starts waiting for approval of a new plan.
 */
function approvalPrompter(input: LifecycleInput, context: DemoContext) {
  const policy = input.approval;
  let prompted = '';
  let runbookId: string | undefined;
  return (line: string) => {
    const child = /↳ (change:\S+) \(change runbook\)/.exec(line);
    if (child) runbookId = child[1];
    const waiting = /Approve the change: waiting for .* until (\S+)$/.exec(line);
    if (!policy || !runbookId || !waiting || prompted === waiting[1]) return;
    prompted = waiting[1] as string;
    const approver = policy.stage.approvers.find((name) => name !== input.requester) ?? '<approver>';
    const page = `${context.webUrl ?? webSettings(loadConfig()).publicUrl}/approvals/${encodeURIComponent(runbookId)}`;
    const relative = context.envFile ? path.relative(process.cwd(), context.envFile) : '';
    const envFile = relative && !relative.startsWith('..') ? relative : context.envFile;
    const shell = envFile ? `source ${envFile} && ` : '';
    say(
      `The scale waits for approval in ${runbookId} (requested by ${input.requester}, who cannot approve it). Either:`,
    );
    say(
      `  in another terminal: ${shell}imply-runbooks approve ${shellQuote(runbookId)} --as ${shellQuote(approver)}`,
    );
    say(`  or on the page: ${page}   (sign in as ${approver} with the link in .data/web-logins.txt)`);
  };
}
